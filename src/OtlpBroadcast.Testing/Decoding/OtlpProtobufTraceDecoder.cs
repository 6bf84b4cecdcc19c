namespace OtlpBroadcast.Testing;

/// <summary>
/// Decodes an OTLP/HTTP protobuf trace export body (<c>application/x-protobuf</c>) into the same model as
/// <see cref="OtlpJsonTraceDecoder"/>, independently of the SDK that wrote it.
/// </summary>
/// <remarks>
/// Both modes refuse what a real receiver refuses: malformed wire data, ids that are not 16 or 8 bytes or are all
/// zero, strings that are not valid UTF-8, known fields with the wrong wire type, enums out of range, non-finite
/// doubles, an <c>AnyValue</c> with zero or several fields. Strict mode (the default) also refuses fields the schema
/// does not have (a wrong field number in the exporter is otherwise silently lost), booleans other than 0 and 1,
/// duplicate or empty attribute keys, and spans without a name or timestamps. Lenient mode skips unknown fields, as protobuf readers do.
/// </remarks>
public static class OtlpProtobufTraceDecoder
{
    private const int MaxDepth = 128;

    /// <summary>Decodes an <c>ExportTraceServiceRequest</c> body.</summary>
    /// <param name="body">The request body (after any content decoding).</param>
    /// <param name="strict">Refuse what the exporter under test must never send; see remarks.</param>
    /// <exception cref="OtlpDecodeException">The body is invalid; the message names the field path.</exception>
    public static DecodedTraces Decode(ReadOnlySpan<byte> body, bool strict = true)
    {
        var decoder = new Decoder(strict);
        var resourceSpans = new List<ReceivedResourceSpans>();
        var reader = new ProtoFieldReader(body, JsonPath.Root);
        while (reader.TryRead(out ProtoField field))
        {
            if (field.Number == 1)
            {
                string path = JsonPath.Index("resourceSpans", resourceSpans.Count);
                ProtoFieldReader.Expect(field, 2, path);
                resourceSpans.Add(decoder.ResourceSpans(field.Bytes, path));
            }
            else
            {
                decoder.Unknown(field, JsonPath.Root);
            }
        }

        return new DecodedTraces(resourceSpans);
    }

    private sealed class Decoder(bool strict)
    {
        public void Unknown(in ProtoField field, string path)
        {
            if (strict)
            {
                throw new OtlpDecodeException(path, $"unknown field {field.Number} (wire type {field.WireType})");
            }
        }

        public ReceivedResourceSpans ResourceSpans(ReadOnlySpan<byte> data, string path)
        {
            ReceivedResource resource = ReceivedResource.Empty;
            string? schemaUrl = null;
            var scopeSpans = new List<(byte[] Bytes, string Path)>();
            var reader = new ProtoFieldReader(data, path);
            while (reader.TryRead(out ProtoField field))
            {
                switch (field.Number)
                {
                    case 1:
                        resource = Resource(field, JsonPath.Member(path, "resource"));
                        break;
                    case 2:
                        string scopePath = JsonPath.Index(JsonPath.Member(path, "scopeSpans"), scopeSpans.Count);
                        ProtoFieldReader.Expect(field, 2, scopePath);
                        scopeSpans.Add((field.Bytes.ToArray(), scopePath));
                        break;
                    case 3:
                        schemaUrl = NullIfEmpty(ProtoFieldReader.Text(field, JsonPath.Member(path, "schemaUrl")));
                        break;
                    default:
                        Unknown(field, path);
                        break;
                }
            }

            // Spans carry their resource, which may come after them on the wire: decode scope groups last.
            var groups = scopeSpans.Select(s => ScopeSpans(s.Bytes, s.Path, resource)).ToArray();
            return new ReceivedResourceSpans { Resource = resource, SchemaUrl = schemaUrl, ScopeSpans = groups };
        }

        private ReceivedResource Resource(in ProtoField field, string path)
        {
            ProtoFieldReader.Expect(field, 2, path);
            var attributes = new List<ReceivedAttribute>();
            uint dropped = 0;
            var reader = new ProtoFieldReader(field.Bytes, path);
            while (reader.TryRead(out ProtoField member))
            {
                switch (member.Number)
                {
                    case 1: attributes.Add(KeyValue(member, JsonPath.Index(JsonPath.Member(path, "attributes"), attributes.Count), 0)); break;
                    case 2: dropped = UInt32(member, JsonPath.Member(path, "droppedAttributesCount")); break;
                    default: Unknown(member, path); break;
                }
            }

            return new ReceivedResource { Attributes = List(attributes, JsonPath.Member(path, "attributes")), DroppedAttributesCount = dropped };
        }

        private ReceivedScopeSpans ScopeSpans(ReadOnlySpan<byte> data, string path, ReceivedResource resource)
        {
            ReceivedScope scope = ReceivedScope.Empty;
            string? schemaUrl = null;
            var spanBytes = new List<(byte[] Bytes, string Path)>();
            var reader = new ProtoFieldReader(data, path);
            while (reader.TryRead(out ProtoField field))
            {
                switch (field.Number)
                {
                    case 1:
                        scope = Scope(field, JsonPath.Member(path, "scope"));
                        break;
                    case 2:
                        string spanPath = JsonPath.Index(JsonPath.Member(path, "spans"), spanBytes.Count);
                        ProtoFieldReader.Expect(field, 2, spanPath);
                        spanBytes.Add((field.Bytes.ToArray(), spanPath));
                        break;
                    case 3:
                        schemaUrl = NullIfEmpty(ProtoFieldReader.Text(field, JsonPath.Member(path, "schemaUrl")));
                        break;
                    default:
                        Unknown(field, path);
                        break;
                }
            }

            var spans = spanBytes.Select(s => Span(s.Bytes, s.Path, resource, scope)).ToArray();
            return new ReceivedScopeSpans { Scope = scope, SchemaUrl = schemaUrl, Spans = spans };
        }

        private ReceivedScope Scope(in ProtoField field, string path)
        {
            ProtoFieldReader.Expect(field, 2, path);
            string name = "";
            string? version = null;
            uint dropped = 0;
            var attributes = new List<ReceivedAttribute>();
            var reader = new ProtoFieldReader(field.Bytes, path);
            while (reader.TryRead(out ProtoField member))
            {
                switch (member.Number)
                {
                    case 1: name = ProtoFieldReader.Text(member, JsonPath.Member(path, "name")); break;
                    case 2: version = NullIfEmpty(ProtoFieldReader.Text(member, JsonPath.Member(path, "version"))); break;
                    case 3: attributes.Add(KeyValue(member, JsonPath.Index(JsonPath.Member(path, "attributes"), attributes.Count), 0)); break;
                    case 4: dropped = UInt32(member, JsonPath.Member(path, "droppedAttributesCount")); break;
                    default: Unknown(member, path); break;
                }
            }

            return new ReceivedScope { Name = name, Version = version, Attributes = List(attributes, JsonPath.Member(path, "attributes")), DroppedAttributesCount = dropped };
        }

        private ReceivedSpan Span(ReadOnlySpan<byte> data, string path, ReceivedResource resource, ReceivedScope scope)
        {
            string? traceId = null, spanId = null, parentSpanId = null, traceState = null, name = null, statusMessage = null;
            long? start = null, end = null;
            uint flags = 0, droppedAttributes = 0, droppedEvents = 0, droppedLinks = 0;
            int kind = 0, statusCode = 0;
            var attributes = new List<ReceivedAttribute>();
            var events = new List<ReceivedEvent>();
            var links = new List<ReceivedLink>();
            var reader = new ProtoFieldReader(data, path);
            while (reader.TryRead(out ProtoField field))
            {
                switch (field.Number)
                {
                    case 1: traceId = Id(field, JsonPath.Member(path, "traceId"), 16, optional: false); break;
                    case 2: spanId = Id(field, JsonPath.Member(path, "spanId"), 8, optional: false); break;
                    case 3: traceState = NullIfEmpty(ProtoFieldReader.Text(field, JsonPath.Member(path, "traceState"))); break;
                    case 4: parentSpanId = Id(field, JsonPath.Member(path, "parentSpanId"), 8, optional: true); break;
                    case 5: name = ProtoFieldReader.Text(field, JsonPath.Member(path, "name")); break;
                    case 6: kind = Enum(field, JsonPath.Member(path, "kind"), 5, "span kind"); break;
                    case 7: start = Fixed64(field, JsonPath.Member(path, "startTimeUnixNano")); break;
                    case 8: end = Fixed64(field, JsonPath.Member(path, "endTimeUnixNano")); break;
                    case 9: attributes.Add(KeyValue(field, JsonPath.Index(JsonPath.Member(path, "attributes"), attributes.Count), 0)); break;
                    case 10: droppedAttributes = UInt32(field, JsonPath.Member(path, "droppedAttributesCount")); break;
                    case 11: events.Add(Event(field, JsonPath.Index(JsonPath.Member(path, "events"), events.Count))); break;
                    case 12: droppedEvents = UInt32(field, JsonPath.Member(path, "droppedEventsCount")); break;
                    case 13: links.Add(Link(field, JsonPath.Index(JsonPath.Member(path, "links"), links.Count))); break;
                    case 14: droppedLinks = UInt32(field, JsonPath.Member(path, "droppedLinksCount")); break;
                    case 15: (statusCode, statusMessage) = Status(field, JsonPath.Member(path, "status")); break;
                    case 16: flags = Fixed32(field, JsonPath.Member(path, "flags")); break;
                    default: Unknown(field, path); break;
                }
            }

            if (traceId is null || spanId is null)
            {
                throw new OtlpDecodeException(path, traceId is null ? "missing traceId" : "missing spanId");
            }

            if (strict)
            {
                if (string.IsNullOrEmpty(name))
                {
                    throw new OtlpDecodeException(path, "missing name");
                }

                if (start is null || end is null)
                {
                    throw new OtlpDecodeException(path, start is null ? "missing startTimeUnixNano" : "missing endTimeUnixNano");
                }
            }

            return new ReceivedSpan
            {
                TraceId = traceId,
                SpanId = spanId,
                ParentSpanId = parentSpanId,
                TraceState = traceState,
                Flags = flags,
                Name = name ?? "",
                Kind = kind,
                StartTimeUnixNano = start ?? 0,
                EndTimeUnixNano = end ?? 0,
                Attributes = List(attributes, JsonPath.Member(path, "attributes")),
                DroppedAttributesCount = droppedAttributes,
                Events = events,
                DroppedEventsCount = droppedEvents,
                Links = links,
                DroppedLinksCount = droppedLinks,
                StatusCode = statusCode,
                StatusMessage = statusMessage,
                Resource = resource,
                Scope = scope,
            };
        }

        private ReceivedEvent Event(in ProtoField field, string path)
        {
            ProtoFieldReader.Expect(field, 2, path);
            long time = 0;
            string name = "";
            uint dropped = 0;
            var attributes = new List<ReceivedAttribute>();
            var reader = new ProtoFieldReader(field.Bytes, path);
            while (reader.TryRead(out ProtoField member))
            {
                switch (member.Number)
                {
                    case 1: time = Fixed64(member, JsonPath.Member(path, "timeUnixNano")); break;
                    case 2: name = ProtoFieldReader.Text(member, JsonPath.Member(path, "name")); break;
                    case 3: attributes.Add(KeyValue(member, JsonPath.Index(JsonPath.Member(path, "attributes"), attributes.Count), 0)); break;
                    case 4: dropped = UInt32(member, JsonPath.Member(path, "droppedAttributesCount")); break;
                    default: Unknown(member, path); break;
                }
            }

            return new ReceivedEvent { TimeUnixNano = time, Name = name, Attributes = List(attributes, JsonPath.Member(path, "attributes")), DroppedAttributesCount = dropped };
        }

        private ReceivedLink Link(in ProtoField field, string path)
        {
            ProtoFieldReader.Expect(field, 2, path);
            string? traceId = null, spanId = null, traceState = null;
            uint flags = 0, dropped = 0;
            var attributes = new List<ReceivedAttribute>();
            var reader = new ProtoFieldReader(field.Bytes, path);
            while (reader.TryRead(out ProtoField member))
            {
                switch (member.Number)
                {
                    case 1: traceId = Id(member, JsonPath.Member(path, "traceId"), 16, optional: false); break;
                    case 2: spanId = Id(member, JsonPath.Member(path, "spanId"), 8, optional: false); break;
                    case 3: traceState = NullIfEmpty(ProtoFieldReader.Text(member, JsonPath.Member(path, "traceState"))); break;
                    case 4: attributes.Add(KeyValue(member, JsonPath.Index(JsonPath.Member(path, "attributes"), attributes.Count), 0)); break;
                    case 5: dropped = UInt32(member, JsonPath.Member(path, "droppedAttributesCount")); break;
                    case 6: flags = Fixed32(member, JsonPath.Member(path, "flags")); break;
                    default: Unknown(member, path); break;
                }
            }

            if (traceId is null || spanId is null)
            {
                throw new OtlpDecodeException(path, traceId is null ? "missing traceId" : "missing spanId");
            }

            return new ReceivedLink
            {
                TraceId = traceId,
                SpanId = spanId,
                TraceState = traceState,
                Flags = flags,
                Attributes = List(attributes, JsonPath.Member(path, "attributes")),
                DroppedAttributesCount = dropped,
            };
        }

        private (int Code, string? Message) Status(in ProtoField field, string path)
        {
            ProtoFieldReader.Expect(field, 2, path);
            int code = 0;
            string? message = null;
            var reader = new ProtoFieldReader(field.Bytes, path);
            while (reader.TryRead(out ProtoField member))
            {
                switch (member.Number)
                {
                    case 2: message = NullIfEmpty(ProtoFieldReader.Text(member, JsonPath.Member(path, "message"))); break;
                    case 3: code = Enum(member, JsonPath.Member(path, "code"), 2, "status code"); break;
                    default: Unknown(member, path); break;
                }
            }

            return (code, message);
        }

        private ReceivedAttribute KeyValue(in ProtoField field, string path, int depth)
        {
            ProtoFieldReader.Expect(field, 2, path);
            string? key = null;
            ReceivedValue? value = null;
            var reader = new ProtoFieldReader(field.Bytes, path);
            while (reader.TryRead(out ProtoField member))
            {
                switch (member.Number)
                {
                    case 1: key = ProtoFieldReader.Text(member, JsonPath.Member(path, "key")); break;
                    case 2: value = AnyValue(member, JsonPath.Member(path, "value"), depth + 1); break;
                    default: Unknown(member, path); break;
                }
            }

            if (strict && string.IsNullOrEmpty(key))
            {
                throw new OtlpDecodeException(JsonPath.Member(path, "key"), "empty attribute key");
            }

            return new ReceivedAttribute(key ?? "", value ?? throw new OtlpDecodeException(path, "missing value"));
        }

        private ReceivedValue AnyValue(in ProtoField field, string path, int depth)
        {
            ProtoFieldReader.Expect(field, 2, path);
            if (depth > MaxDepth)
            {
                throw new OtlpDecodeException(path, $"values nested deeper than {MaxDepth}");
            }

            ReceivedValue? value = null;
            int seen = 0;
            var reader = new ProtoFieldReader(field.Bytes, path);
            while (reader.TryRead(out ProtoField member))
            {
                ReceivedValue? decoded = member.Number switch
                {
                    1 => ReceivedValue.FromString(ProtoFieldReader.Text(member, JsonPath.Member(path, "stringValue"))),
                    2 => ReceivedValue.FromBool(Bool(member, JsonPath.Member(path, "boolValue"))),
                    3 => ReceivedValue.FromInt((long)Varint(member, JsonPath.Member(path, "intValue"))),
                    4 => ReceivedValue.FromDouble(Double(member, JsonPath.Member(path, "doubleValue"))),
                    5 => Array(member, JsonPath.Member(path, "arrayValue"), depth),
                    6 => KeyValueList(member, JsonPath.Member(path, "kvlistValue"), depth),
                    7 => ReceivedValue.FromBytes(Bytes(member, JsonPath.Member(path, "bytesValue"))),
                    _ => null,
                };
                if (decoded is null)
                {
                    Unknown(member, path);
                    continue;
                }

                if (seen != 0 && seen != member.Number)
                {
                    throw new OtlpDecodeException(path, $"expected exactly one value field, found fields {seen} and {member.Number}");
                }

                seen = member.Number;
                value = decoded;
            }

            return value ?? throw new OtlpDecodeException(path, "empty AnyValue (no value field)");
        }

        private ReceivedValue Array(in ProtoField field, string path, int depth)
        {
            ProtoFieldReader.Expect(field, 2, path);
            var values = new List<ReceivedValue>();
            var reader = new ProtoFieldReader(field.Bytes, path);
            while (reader.TryRead(out ProtoField member))
            {
                if (member.Number == 1)
                {
                    values.Add(AnyValue(member, JsonPath.Index(JsonPath.Member(path, "values"), values.Count), depth + 1));
                }
                else
                {
                    Unknown(member, path);
                }
            }

            return ReceivedValue.FromArray(values);
        }

        private ReceivedValue KeyValueList(in ProtoField field, string path, int depth)
        {
            ProtoFieldReader.Expect(field, 2, path);
            var entries = new List<ReceivedAttribute>();
            var reader = new ProtoFieldReader(field.Bytes, path);
            while (reader.TryRead(out ProtoField member))
            {
                if (member.Number == 1)
                {
                    entries.Add(KeyValue(member, JsonPath.Index(JsonPath.Member(path, "values"), entries.Count), depth + 1));
                }
                else
                {
                    Unknown(member, path);
                }
            }

            return ReceivedValue.FromKeyValueList(List(entries, JsonPath.Member(path, "values")));
        }

        private ReceivedAttributeList List(List<ReceivedAttribute> attributes, string path)
        {
            if (strict)
            {
                var first = new Dictionary<string, int>(StringComparer.Ordinal);
                for (int i = 0; i < attributes.Count; i++)
                {
                    if (!first.TryAdd(attributes[i].Key, i))
                    {
                        throw new OtlpDecodeException(
                            JsonPath.Member(JsonPath.Index(path, i), "key"),
                            $"duplicate attribute key {ValueText.Quote(attributes[i].Key)} (first at {JsonPath.Index(path, first[attributes[i].Key])})");
                    }
                }
            }

            return new ReceivedAttributeList(attributes);
        }

        private static string? Id(in ProtoField field, string path, int length, bool optional)
        {
            ProtoFieldReader.Expect(field, 2, path);
            ReadOnlySpan<byte> bytes = field.Bytes;
            if (bytes.IsEmpty && optional)
            {
                return null;
            }

            if (bytes.Length != length)
            {
                throw new OtlpDecodeException(path, $"id must be {length} bytes, not {bytes.Length}");
            }

            if (!bytes.ContainsAnyExcept((byte)0))
            {
                throw new OtlpDecodeException(path, "id is all zero (invalid)");
            }

            return Convert.ToHexStringLower(bytes);
        }

        private ulong Varint(in ProtoField field, string path)
        {
            ExpectWire(field, 0, path);
            return field.Scalar;
        }

        private bool Bool(in ProtoField field, string path)
        {
            ulong value = Varint(field, path);
            if (strict && value > 1)
            {
                throw new OtlpDecodeException(path, $"bool encoded as {value}");
            }

            return value != 0;
        }

        private uint UInt32(in ProtoField field, string path)
        {
            ulong value = Varint(field, path);
            if (value > uint.MaxValue)
            {
                throw new OtlpDecodeException(path, $"{value} does not fit uint32");
            }

            return (uint)value;
        }

        private int Enum(in ProtoField field, string path, int max, string what)
        {
            ulong value = Varint(field, path);
            if (value > (ulong)max)
            {
                throw new OtlpDecodeException(path, $"{value} is not a {what} (0..{max})");
            }

            return (int)value;
        }

        private long Fixed64(in ProtoField field, string path)
        {
            ExpectWire(field, 1, path);
            return (long)field.Scalar;
        }

        private uint Fixed32(in ProtoField field, string path)
        {
            ExpectWire(field, 5, path);
            return (uint)field.Scalar;
        }

        private double Double(in ProtoField field, string path)
        {
            ExpectWire(field, 1, path);
            double value = BitConverter.Int64BitsToDouble((long)field.Scalar);
            if (!double.IsFinite(value))
            {
                throw new OtlpDecodeException(path, $"double {value} is not finite");
            }

            return value;
        }

        private ReadOnlySpan<byte> Bytes(in ProtoField field, string path)
        {
            ExpectWire(field, 2, path);
            return field.Bytes;
        }

        private static void ExpectWire(in ProtoField field, int wireType, string path) => ProtoFieldReader.Expect(field, wireType, path);

        private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
    }
}
