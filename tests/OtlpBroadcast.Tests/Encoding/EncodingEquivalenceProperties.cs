using System.Buffers;
using System.Globalization;
using System.Text;
using CsCheck;
using OtlpBroadcast.Testing;

namespace OtlpBroadcast.Tests.OtlpEncoding;

/// <summary>
/// Property: random span trees (ids, unicode names, kinds, times, attributes of every kind with nested arrays and
/// key-value lists, events, links, status) encoded as OTLP/JSON and as OTLP protobuf decode, with the Testing
/// project's independent decoders, to the same spans. Both the span-model path and a generated-writer style path
/// (typed sink calls, BeginArray/BeginKeyValueList) are checked.
/// </summary>
public class EncodingEquivalenceProperties
{
    private const int Iterations = 300;
    private static readonly OtlpResource Resource = new("property-test", [new SpanAttribute("host.name", "東京-01")]);

    private static readonly Gen<string> Text = Gen.OneOf(
        Gen.String[0, 12],
        Gen.Char["aZ09 _-.é東京😀\"\\\n\t\u0001\u007f"].Array[0, 16].Select(chars => new string(chars)),
        Gen.Const("Bonjour, ça va ? 東京 😀"),
        Gen.Const(""));

    private static readonly Gen<string?> MaybeText = Gen.OneOf(Text.Select(t => (string?)t), Gen.Const((string?)null));

    private static readonly Gen<AttributeValue> Scalar = Gen.OneOf(
        Text.Select(AttributeValue.FromString),
        Gen.Bool.Select(AttributeValue.FromBool),
        Gen.Long.Select(AttributeValue.FromInt),
        Gen.Double.Select(AttributeValue.FromDouble),
        Gen.Byte.Array[0, 8].Select(bytes => AttributeValue.FromBytes(bytes)));

    private static Gen<AttributeValue> Value(int depth) => depth == 0
        ? Scalar
        : Gen.OneOf(
            Scalar,
            Scalar,
            Value(depth - 1).Array[0, 3].Select(items => AttributeValue.FromArray(items)),
            Attributes(depth - 1, 3).Select(entries => AttributeValue.FromKeyValueList(entries)));

    /// <summary>Attribute lists with unique, non-empty keys (strict decoding refuses duplicates).</summary>
    private static Gen<SpanAttribute[]> Attributes(int depth, int max) =>
        Gen.Select(Text, Value(depth), Gen.Bool).Array[0, max]
            .Select(items => items.Select((item, i) => new SpanAttribute($"k{i}.{item.Item1}", item.Item2, item.Item3)).ToArray());

    private static readonly Gen<SpanEvent> Event =
        Gen.Select(Text, Gen.Long[0, long.MaxValue], Attributes(1, 3), (name, time, attributes) =>
        {
            var spanEvent = new SpanEvent(name, time);
            spanEvent.Attributes.AddRange(attributes);
            return spanEvent;
        });

    private static readonly Gen<SpanLink> Link =
        Gen.Select(Gen.ULong, Gen.ULong, Gen.ULong, MaybeText, Gen.UInt, Attributes(1, 2),
            (high, low, span, state, flags, attributes) =>
            {
                var link = new SpanLink(Trace(high, low), SpanId.FromBytes(BitConverter.GetBytes(span | 1))) { TraceState = state, Flags = flags };
                link.Attributes.AddRange(attributes);
                return link;
            });

    private static readonly Gen<OtlpSpan> Span =
        Gen.Select(
            Gen.ULong, Text, Gen.Int[0, 5], Gen.Long[1, long.MaxValue / 2], Gen.Long[0, long.MaxValue / 2],
            Attributes(2, 6), Event.Array[0, 2], Link.Array[0, 2],
            Gen.Select(Gen.Int[0, 2], MaybeText, Gen.UInt[0, 0x3FF], Gen.UInt[0, 5], MaybeText, Gen.Bool),
            (id, name, kind, start, duration, attributes, events, links, rest) =>
            {
                var span = new OtlpSpan(Trace(1, 1), SpanId.FromBytes(BitConverter.GetBytes(id | 1)), "n" + name)
                {
                    Kind = (SpanKind)kind,
                    StartTimeUnixNano = start,
                    EndTimeUnixNano = start + duration,
                    Status = new SpanStatus((SpanStatusCode)rest.Item1, rest.Item2),
                    Flags = rest.Item3,
                    DroppedAttributesCount = rest.Item4,
                    TraceState = rest.Item5,
                    StatusMessageIsContent = rest.Item6,
                };
                span.Attributes.AddRange(attributes);
                span.Events.AddRange(events);
                span.Links.AddRange(links);
                return span;
            });

    /// <summary>A tree: one trace id for all, each span's parent an earlier span (the first is the root).</summary>
    private static readonly Gen<OtlpSpan[]> Tree =
        Gen.Select(Gen.ULong, Gen.ULong, Span.Array[1, 5], Gen.Int[0, 1000].Array[5], (high, low, spans, parents) =>
        {
            TraceId traceId = Trace(high, low);
            var tree = new OtlpSpan[spans.Length];
            for (int i = 0; i < spans.Length; i++)
            {
                OtlpSpan s = spans[i];
                var copy = new OtlpSpan(traceId, SpanId.FromBytes(BitConverter.GetBytes(((ulong)i << 56) | (uint)s.SpanId.GetHashCode() | 1UL)), s.Name)
                {
                    ParentSpanId = i == 0 ? default : tree[parents[i] % i].SpanId,
                    Kind = s.Kind,
                    StartTimeUnixNano = s.StartTimeUnixNano,
                    EndTimeUnixNano = s.EndTimeUnixNano,
                    Status = s.Status,
                    Flags = s.Flags,
                    DroppedAttributesCount = s.DroppedAttributesCount,
                    TraceState = s.TraceState,
                    StatusMessageIsContent = s.StatusMessageIsContent,
                };
                copy.Attributes.AddRange(s.Attributes);
                copy.Events.AddRange(s.Events);
                copy.Links.AddRange(s.Links);
                tree[i] = copy;
            }

            return tree;
        });

    private static TraceId Trace(ulong high, ulong low)
    {
        byte[] bytes = [.. BitConverter.GetBytes(high), .. BitConverter.GetBytes(low | 1)];
        return TraceId.FromBytes(bytes);
    }

    [Fact]
    public void SpanModelsDecodeToTheSameSpansFromJsonAndProtobuf()
    {
        Tree.Sample(
            tree =>
            {
                bool includeContent = tree.Length % 2 == 0;
                string json = Render(OtlpJsonTraceDecoder.Decode(Body(tree, SpanEncoding.Json, includeContent)));
                string protobuf = Render(OtlpProtobufTraceDecoder.Decode(Body(tree, SpanEncoding.Protobuf, includeContent)));
                Assert.Equal(json, protobuf);
            },
            iter: Iterations,
            threads: 1,
            print: tree => string.Join(" | ", tree.Select(s => s.Name + ": " + string.Join(", ", s.Attributes))));
    }

    [Fact]
    public void GeneratedStyleWritersDecodeToTheSameSpansFromJsonAndProtobuf()
    {
        Tree.Sample(
            tree =>
            {
                string json = Render(OtlpJsonTraceDecoder.Decode(TypedBody(tree, SpanEncoding.Json)));
                string protobuf = Render(OtlpProtobufTraceDecoder.Decode(TypedBody(tree, SpanEncoding.Protobuf)));
                Assert.Equal(json, protobuf);

                // Typed calls and the AttributeValue path mean the same thing.
                Assert.Equal(Render(OtlpProtobufTraceDecoder.Decode(Body(tree, SpanEncoding.Protobuf, includeContent: true))), protobuf);
            },
            iter: Iterations,
            threads: 1,
            print: tree => string.Join(" | ", tree.Select(s => s.Name + ": " + string.Join(", ", s.Attributes))));
    }

    [Fact]
    public void TheJsonEncoderWritesTheBytesOfTheGeneralJsonWriter()
    {
        // The encoder writes JSON text itself; OtlpJsonSpanWriter writes through a Utf8JsonWriter. Same bytes.
        Span.Sample(
            span =>
            {
                var model = new SpanAttributeList(span.Attributes);
                Assert.Equal(ThroughWriter(span, model), ThroughEncoder(span, model));
                var typed = new TypedReplay(span.Attributes);
                Assert.Equal(ThroughWriter(span, typed), ThroughEncoder(span, typed));
            },
            iter: Iterations,
            threads: 1,
            print: span => span.Name + ": " + string.Join(", ", span.Attributes));

        static string ThroughWriter<TSource>(OtlpSpan span, TSource source) where TSource : struct, IAttributeSource
        {
            var buffer = new ArrayBufferWriter<byte>();
            using (var writer = new System.Text.Json.Utf8JsonWriter(buffer, OtlpJsonNames.WriterOptions))
            {
                OtlpJsonSpanWriter.Write(writer, SpanHeader.From(span), ref source, span.Events, span.Links);
            }

            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }

        static string ThroughEncoder<TSource>(OtlpSpan span, TSource source) where TSource : struct, IAttributeSource
        {
            SpanFragment fragment = OtlpJsonSpanEncoder.Encode(SpanHeader.From(span), ref source, contentWithheld: false, span.Events, span.Links);
            try
            {
                return Encoding.UTF8.GetString(fragment.Bytes);
            }
            finally
            {
                fragment.Release();
            }
        }
    }

    [Fact]
    public void TheSpanModelWriterWithholdsContentAsTheEncoderDoes()
    {
        // OtlpJsonSpanWriter.Write(writer, span, includeContent) against OtlpJsonSpanEncoder.Encode(span,
        // includeContent): the same bytes both ways, so a privacy-mode span written through a Utf8JsonWriter loses
        // its content attributes (the span's, its events' and links') and a status message marked as content.
        Span.Sample(
            span =>
            {
                foreach (bool includeContent in new[] { true, false })
                {
                    var buffer = new ArrayBufferWriter<byte>();
                    using (var writer = new System.Text.Json.Utf8JsonWriter(buffer, OtlpJsonNames.WriterOptions))
                    {
                        OtlpJsonSpanWriter.Write(writer, span, includeContent);
                    }

                    SpanFragment fragment = OtlpJsonSpanEncoder.Encode(span, includeContent);
                    try
                    {
                        Assert.Equal(Encoding.UTF8.GetString(fragment.Bytes), Encoding.UTF8.GetString(buffer.WrittenSpan));
                    }
                    finally
                    {
                        fragment.Release();
                    }
                }
            },
            iter: Iterations,
            threads: 1,
            print: span => span.Name + ": " + string.Join(", ", span.Attributes));
    }

    [Fact]
    public void WithheldSpanModelsWrittenThroughTheWriterCarryNoContent()
    {
        var span = new OtlpSpan(Trace(7, 7), SpanId.FromBytes(BitConverter.GetBytes(9UL)), "chat")
        {
            Status = new SpanStatus(SpanStatusCode.Error, "the prompt said: secret-prompt"),
            StatusMessageIsContent = true,
        };
        span.Attributes.Add(new SpanAttribute("gen_ai.request.model", "gpt-4o"));
        span.Attributes.Add(new SpanAttribute("gen_ai.input.messages", "secret-prompt", IsContent: true));
        var spanEvent = new SpanEvent("gen_ai.choice", 1);
        spanEvent.Attributes.Add(new SpanAttribute("message", "secret-completion", IsContent: true));
        spanEvent.Attributes.Add(new SpanAttribute("index", AttributeValue.FromInt(0)));
        span.Events.Add(spanEvent);
        var link = new SpanLink(Trace(8, 8), SpanId.FromBytes(BitConverter.GetBytes(10UL)));
        link.Attributes.Add(new SpanAttribute("link.note", "secret-link", IsContent: true));
        span.Links.Add(link);

        string Written(bool includeContent)
        {
            var buffer = new ArrayBufferWriter<byte>();
            using (var writer = new System.Text.Json.Utf8JsonWriter(buffer, OtlpJsonNames.WriterOptions))
            {
                OtlpJsonSpanWriter.Write(writer, span, includeContent);
            }

            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }

        string withheld = Written(includeContent: false);
        Assert.DoesNotContain("secret", withheld, StringComparison.Ordinal);
        Assert.Contains("gpt-4o", withheld, StringComparison.Ordinal);
        Assert.Contains("\"index\"", withheld, StringComparison.Ordinal);
        Assert.Contains("\"status\":{\"code\":2}", withheld, StringComparison.Ordinal);

        // Included by default, as before.
        string full = Written(includeContent: true);
        Assert.Equal(full, Encoding.UTF8.GetString(WriteDefault()));
        foreach (string secret in new[] { "secret-prompt", "secret-completion", "secret-link" })
        {
            Assert.Contains(secret, full, StringComparison.Ordinal);
        }

        byte[] WriteDefault()
        {
            var buffer = new ArrayBufferWriter<byte>();
            using (var writer = new System.Text.Json.Utf8JsonWriter(buffer, OtlpJsonNames.WriterOptions))
            {
                OtlpJsonSpanWriter.Write(writer, span);
            }

            return buffer.WrittenSpan.ToArray();
        }
    }

    [Fact]
    public void ThePropertyCanFail()
    {
        // Guards the comparison itself: a changed attribute value must make the renderings differ.
        var span = new OtlpSpan(Trace(1, 2), SpanId.FromBytes(BitConverter.GetBytes(3UL)), "n") { StartTimeUnixNano = 1, EndTimeUnixNano = 2 };
        span.With("a", AttributeValue.FromArray(1L, AttributeValue.FromKeyValueList(new SpanAttribute("x", 1.5))));
        string before = Render(OtlpProtobufTraceDecoder.Decode(Body([span], SpanEncoding.Protobuf, true)));
        span.Attributes[0] = new SpanAttribute("a", AttributeValue.FromArray(1L, AttributeValue.FromKeyValueList(new SpanAttribute("x", 1.25))));
        string after = Render(OtlpJsonTraceDecoder.Decode(Body([span], SpanEncoding.Json, true)));
        Assert.NotEqual(before, after);
    }

    private static byte[] Body(OtlpSpan[] spans, SpanEncoding encoding, bool includeContent)
    {
        var fragments = spans.Select(s => SpanEnvelopes.Encode(encoding, s, includeContent)).ToList();
        try
        {
            var output = new ArrayBufferWriter<byte>();
            SpanEnvelopes.Create(encoding, Resource).Write(output, fragments);
            return output.WrittenSpan.ToArray();
        }
        finally
        {
            fragments.ForEach(f => f.Release());
        }
    }

    private static byte[] TypedBody(OtlpSpan[] spans, SpanEncoding encoding)
    {
        var fragments = new List<SpanFragment>();
        try
        {
            foreach (OtlpSpan span in spans)
            {
                var source = new TypedReplay(span.Attributes);
                SpanHeader header = SpanHeader.From(span);
                fragments.Add(encoding == SpanEncoding.Json
                    ? OtlpJsonSpanEncoder.Encode(header, ref source, contentWithheld: false, span.Events, span.Links)
                    : OtlpProtobufSpanEncoder.Encode(header, ref source, contentWithheld: false, span.Events, span.Links));
            }

            var output = new ArrayBufferWriter<byte>();
            SpanEnvelopes.Create(encoding, Resource).Write(output, fragments);
            return output.WrittenSpan.ToArray();
        }
        finally
        {
            fragments.ForEach(f => f.Release());
        }
    }

    /// <summary>Replays attributes through the typed sink calls that generated writers make.</summary>
    private readonly struct TypedReplay(List<SpanAttribute> attributes) : IAttributeSource
    {
        public void WriteTo<TSink>(ref TSink sink) where TSink : struct, IAttributeSink
        {
            foreach (SpanAttribute attribute in attributes)
            {
                Write(ref sink, Encoding.UTF8.GetBytes(attribute.Key), attribute.Value);
            }
        }

        private static void Write<TSink>(ref TSink sink, byte[] key, AttributeValue value) where TSink : struct, IAttributeSink
        {
            switch (value.Kind)
            {
                case AttributeValueKind.String: sink.Write(key, value.StringValue); break;
                case AttributeValueKind.Bool: sink.Write(key, value.BoolValue); break;
                case AttributeValueKind.Int: sink.Write(key, value.IntValue); break;
                case AttributeValueKind.Double: sink.Write(key, value.DoubleValue); break;
                case AttributeValueKind.Bytes: sink.WriteBytes(key, value.BytesValue.Span); break;
                case AttributeValueKind.Array:
                    sink.BeginArray(key);
                    foreach (AttributeValue item in value.ArrayValue)
                    {
                        switch (item.Kind)
                        {
                            case AttributeValueKind.String: sink.WriteArrayItem(item.StringValue); break;
                            case AttributeValueKind.Bool: sink.WriteArrayItem(item.BoolValue); break;
                            case AttributeValueKind.Int: sink.WriteArrayItem(item.IntValue); break;
                            case AttributeValueKind.Double: sink.WriteArrayItem(item.DoubleValue); break;
                            default: sink.WriteArrayItem(in item); break;
                        }
                    }

                    sink.EndArray();
                    break;
                case AttributeValueKind.KeyValueList:
                    sink.BeginKeyValueList(key);
                    foreach (SpanAttribute entry in value.KeyValueListValue)
                    {
                        Write(ref sink, Encoding.UTF8.GetBytes(entry.Key), entry.Value);
                    }

                    sink.EndKeyValueList();
                    break;
            }
        }
    }

    /// <summary>Every field of every span, values with their kinds and exact bits, strings length-prefixed.</summary>
    private static string Render(DecodedTraces traces)
    {
        var text = new StringBuilder();
        foreach (ReceivedSpan s in traces.Spans)
        {
            text.Append(CultureInfo.InvariantCulture, $"span {s.TraceId} {s.SpanId} {s.ParentSpanId} {S(s.TraceState)} {s.Flags} {S(s.Name)} {s.Kind} ")
                .Append(CultureInfo.InvariantCulture, $"{s.StartTimeUnixNano} {s.EndTimeUnixNano} {s.DroppedAttributesCount} {s.DroppedEventsCount} {s.DroppedLinksCount} ")
                .Append(CultureInfo.InvariantCulture, $"status {s.StatusCode} {S(s.StatusMessage)} scope {S(s.ScopeName)} {S(s.ScopeVersion)}\n");
            Render(text, "resource", s.Resource.Attributes);
            Render(text, "attributes", s.Attributes);
            foreach (ReceivedEvent e in s.Events)
            {
                text.Append(CultureInfo.InvariantCulture, $"event {S(e.Name)} {e.TimeUnixNano} {e.DroppedAttributesCount}\n");
                Render(text, "event attributes", e.Attributes);
            }

            foreach (ReceivedLink l in s.Links)
            {
                text.Append(CultureInfo.InvariantCulture, $"link {l.TraceId} {l.SpanId} {S(l.TraceState)} {l.Flags} {l.DroppedAttributesCount}\n");
                Render(text, "link attributes", l.Attributes);
            }
        }

        return text.ToString();
    }

    private static void Render(StringBuilder text, string label, ReceivedAttributeList attributes)
    {
        text.Append(label).Append(':');
        foreach (ReceivedAttribute attribute in attributes)
        {
            text.Append(' ').Append(S(attribute.Key)).Append('=');
            Render(text, attribute.Value);
        }

        text.Append('\n');
    }

    private static void Render(StringBuilder text, ReceivedValue value)
    {
        switch (value.Kind)
        {
            case ReceivedValueKind.String: text.Append("s:").Append(S(value.AsString())); break;
            case ReceivedValueKind.Bool: text.Append("b:").Append(value.AsBool()); break;
            case ReceivedValueKind.Int: text.Append("i:").Append(value.AsInt()); break;
            case ReceivedValueKind.Double: text.Append("d:").Append(BitConverter.DoubleToInt64Bits(value.AsDouble())); break;
            case ReceivedValueKind.Bytes: text.Append("x:").Append(Convert.ToHexString(value.AsBytes().Span)); break;
            case ReceivedValueKind.Array:
                text.Append('[');
                foreach (ReceivedValue item in value.AsArray())
                {
                    Render(text, item);
                    text.Append(',');
                }

                text.Append(']');
                break;
            case ReceivedValueKind.KeyValueList:
                text.Append('{');
                foreach (ReceivedAttribute entry in value.AsKeyValueList())
                {
                    text.Append(S(entry.Key)).Append('=');
                    Render(text, entry.Value);
                    text.Append(',');
                }

                text.Append('}');
                break;
        }
    }

    private static string S(string? value)
        => value is null ? "null" : value.Length.ToString(CultureInfo.InvariantCulture) + "'" + value + "'";
}
