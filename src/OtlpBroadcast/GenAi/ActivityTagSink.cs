using System.Diagnostics;
using System.Text;

namespace OtlpBroadcast;

/// <summary>Writes attributes as tags of an <see cref="Activity"/> (for in-process <see cref="ActivityListener"/>s).</summary>
internal struct ActivityTagSink(Activity activity) : IAttributeSink
{
    private string? _arrayKey;
    private List<object?>? _items;
    private int _listDepth;

    public readonly void Write(ReadOnlySpan<byte> key, string? value)
    {
        if (value is not null)
        {
            Set(key, value);
        }
    }

    public readonly void Write(ReadOnlySpan<byte> key, ReadOnlySpan<char> value) => Set(key, value.ToString());

    public readonly void WriteUtf8(ReadOnlySpan<byte> key, ReadOnlySpan<byte> utf8Value) => Set(key, Encoding.UTF8.GetString(utf8Value));

    public readonly void Write(ReadOnlySpan<byte> key, bool value) => Set(key, value);

    public readonly void Write(ReadOnlySpan<byte> key, long value) => Set(key, value);

    public readonly void Write(ReadOnlySpan<byte> key, double value) => Set(key, value);

    public readonly void WriteContentJson(ReadOnlySpan<byte> key, ContentJsonBuffer json) => WriteUtf8(key, json.GetWrittenUtf8());

    public readonly void Write(PrecomposedKey key, string? value) => Write(key.Key, value);

    public readonly void Write(PrecomposedKey key, long value) => Write(key.Key, value);

    public readonly void Write(PrecomposedKey key, double value) => Write(key.Key, value);

    public readonly void Write(PrecomposedKey key, bool value) => Write(key.Key, value);

    public readonly void WriteBytes(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => Set(key, Convert.ToBase64String(value));

    public readonly void Write(ReadOnlySpan<byte> key, in AttributeValue value)
    {
        if (value.Kind != AttributeValueKind.None)
        {
            Set(key, ToObject(value));
        }
    }

    public void BeginArray(ReadOnlySpan<byte> key)
    {
        _arrayKey = Encoding.UTF8.GetString(key);
        _items = [];
    }

    public readonly void WriteArrayItem(string? value) => _items?.Add(value ?? string.Empty);

    public readonly void WriteArrayItem(ReadOnlySpan<char> value) => _items?.Add(value.ToString());

    public readonly void WriteArrayItem(bool value) => _items?.Add(value);

    public readonly void WriteArrayItem(long value) => _items?.Add(value);

    public readonly void WriteArrayItem(double value) => _items?.Add(value);

    public readonly void WriteArrayItem(in AttributeValue value) => _items?.Add(ToObject(value));

    public void EndArray()
    {
        if (_arrayKey is not null && _items is not null && _listDepth == 0)
        {
            activity.SetTag(_arrayKey, _items.All(i => i is string) ? _items.Cast<string>().ToArray() : _items.ToArray());
        }

        _arrayKey = null;
        _items = null;
    }

    // Tags are flat: the entries of a key-value list are left out rather than misnamed.
    public void BeginKeyValueList(ReadOnlySpan<byte> key) => _listDepth++;

    public void EndKeyValueList() => _listDepth--;

    private readonly void Set(ReadOnlySpan<byte> key, object? value)
    {
        if (_listDepth == 0)
        {
            activity.SetTag(Encoding.UTF8.GetString(key), value);
        }
    }

    private static object? ToObject(in AttributeValue value) => value.Kind switch
    {
        AttributeValueKind.String => value.StringValue,
        AttributeValueKind.Bool => value.BoolValue,
        AttributeValueKind.Int => value.IntValue,
        AttributeValueKind.Double => value.DoubleValue,
        _ => value.ToString(),
    };
}

/// <summary>Adapts an attribute source to write <see cref="Activity"/> tags.</summary>
internal static class ActivityTags
{
    public static void Write<TSource>(Activity activity, TSource source) where TSource : struct, IAttributeSource
    {
        var sink = new ActivityTagSink(activity);
        source.WriteTo(ref sink);
    }
}
