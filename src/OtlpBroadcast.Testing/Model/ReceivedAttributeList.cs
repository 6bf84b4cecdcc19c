using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace OtlpBroadcast.Testing;

/// <summary>
/// Attributes in the order they arrived, with lookup by key. Lookup returns the first entry with the key
/// (strict decoding rejects duplicates, so there is only one).
/// </summary>
public sealed class ReceivedAttributeList : IReadOnlyList<ReceivedAttribute>
{
    private readonly ReceivedAttribute[] _items;

    /// <summary>Copies the given attributes.</summary>
    public ReceivedAttributeList(IEnumerable<ReceivedAttribute> attributes)
        => _items = attributes?.ToArray() ?? throw new ArgumentNullException(nameof(attributes));

    /// <summary>A list without attributes.</summary>
    public static ReceivedAttributeList Empty { get; } = new([]);

    /// <inheritdoc />
    public int Count => _items.Length;

    /// <summary>The keys in arrival order.</summary>
    public IEnumerable<string> Keys => _items.Select(item => item.Key);

    /// <inheritdoc />
    public ReceivedAttribute this[int index] => _items[index];

    /// <summary>The value of the attribute with the given key.</summary>
    /// <exception cref="KeyNotFoundException">No such attribute; the message lists the keys that are present.</exception>
    public ReceivedValue this[string key]
        => TryGetValue(key, out var value)
            ? value
            : throw new KeyNotFoundException(
                $"No attribute '{key}'. Present: {(Count == 0 ? "(none)" : string.Join(", ", Keys))}.");

    /// <summary>Looks up the value of the attribute with the given key.</summary>
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out ReceivedValue value)
    {
        foreach (var item in _items)
        {
            if (string.Equals(item.Key, key, StringComparison.Ordinal))
            {
                value = item.Value;
                return true;
            }
        }

        value = null;
        return false;
    }

    /// <summary>Whether an attribute with the given key arrived.</summary>
    public bool ContainsKey(string key) => TryGetValue(key, out _);

    /// <inheritdoc />
    public IEnumerator<ReceivedAttribute> GetEnumerator() => ((IEnumerable<ReceivedAttribute>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
