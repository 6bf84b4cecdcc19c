using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;

namespace OtlpBroadcast.Testing;

/// <summary>
/// Applies the checks of an OTLP/HTTP receiver in a fixed order: route, method, authentication, size,
/// media type, content encoding, then the OTLP JSON or protobuf itself; the first that fails decides the answer.
/// </summary>
internal sealed class RequestEvaluator(OtlpTestReceiverOptions options, IReadOnlyDictionary<string, string> requiredHeaders)
{
    public const string TracesPath = "/v1/traces";

    public Evaluation Evaluate(string method, string path, IReadOnlyDictionary<string, string> headers, byte[] body, bool tooLarge)
    {
        if (!string.Equals(path, TracesPath, StringComparison.Ordinal))
        {
            return Fail(404, $"no OTLP endpoint at {path}; traces go to {TracesPath}", reached: false);
        }

        if (!HttpMethods.IsPost(method))
        {
            return Fail(405, $"{method} is not allowed; use POST", reached: false, allow: "POST");
        }

        foreach (var (name, expected) in requiredHeaders)
        {
            if (!headers.TryGetValue(name, out var actual) || !string.Equals(actual, expected, StringComparison.Ordinal))
            {
                return Fail(401, $"missing or wrong {name} header");
            }
        }

        if (tooLarge)
        {
            return Fail(413, $"body exceeds {options.MaxRequestBodyBytes} bytes");
        }

        headers.TryGetValue("Content-Type", out var contentType);
        var protobuf = IsMediaType(contentType, ProtobufMediaType);
        if (!protobuf && !IsMediaType(contentType, "application/json"))
        {
            return Fail(415, $"Content-Type '{contentType}' is not supported; this receiver decodes application/json and {ProtobufMediaType}");
        }

        headers.TryGetValue("Content-Encoding", out var encoding);
        return DecodeContent(body, encoding?.Trim(), protobuf);
    }

    /// <summary>The media type of OTLP/HTTP protobuf.</summary>
    public const string ProtobufMediaType = "application/x-protobuf";

    /// <summary>Whether the request declared the protobuf encoding (answers then use it too).</summary>
    public static bool IsProtobuf(string? contentType) => IsMediaType(contentType, ProtobufMediaType);

    private Evaluation DecodeContent(byte[] body, string? encoding, bool protobuf)
    {
        var decompressed = body;
        if (string.Equals(encoding, "gzip", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                (decompressed, var tooLarge) = BodyReader.Gunzip(body, options.MaxRequestBodyBytes);
                if (tooLarge)
                {
                    return Fail(413, $"gunzipped body exceeds {options.MaxRequestBodyBytes} bytes");
                }
            }
            catch (InvalidDataException e)
            {
                var error = $"$: invalid gzip body: {e.Message}";
                return Fail(400, error) with { DecodeError = error };
            }
        }
        else if (!string.IsNullOrEmpty(encoding) && !string.Equals(encoding, "identity", StringComparison.OrdinalIgnoreCase))
        {
            return Fail(415, $"Content-Encoding '{encoding}' is not supported; use gzip or none");
        }

        try
        {
            var decoded = protobuf
                ? OtlpProtobufTraceDecoder.Decode(decompressed, options.Strict)
                : OtlpJsonTraceDecoder.Decode(decompressed, options.Strict);
            return new Evaluation(ReceiverResponse.Status(200), ReachedEndpoint: true)
            {
                DecompressedBody = decompressed,
                Spans = decoded.Spans,
            };
        }
        catch (OtlpDecodeException e)
        {
            return Fail(400, e.Message) with { DecodeError = e.Message, DecompressedBody = decompressed };
        }
    }

    private static bool IsMediaType(string? contentType, string mediaType)
        => MediaTypeHeaderValue.TryParse(contentType, out var parsed)
            && string.Equals(parsed.MediaType, mediaType, StringComparison.OrdinalIgnoreCase);

    private static Evaluation Fail(int statusCode, string message, bool reached = true, string? allow = null)
    {
        var response = new ReceiverResponse { StatusCode = statusCode, Body = ErrorBody.For(statusCode, message) };
        if (allow is not null)
        {
            response = response with { Headers = new Dictionary<string, string> { ["Allow"] = allow } };
        }

        return new Evaluation(response, reached);
    }
}
