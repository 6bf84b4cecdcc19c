using System.Buffers;
using System.Globalization;
using System.Text.Json;
using OtlpBroadcast.OpenAi;

namespace OtlpBroadcast.Benchmarks;

/// <summary>
/// The straightforward way a developer would write the same OTLP/JSON with <see cref="Utf8JsonWriter"/>: string
/// property names, ids and numbers formatted with <c>ToString</c>, content rendered into a temporary buffer. It
/// reuses its writer and buffer like the SDK does, so the difference is the writing itself.
/// </summary>
internal sealed class HandWrittenSpanTreeWriter
{
    private static readonly JsonWriterOptions Options = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly ArrayBufferWriter<byte> _buffer = new(16 * 1024);
    private readonly ArrayBufferWriter<byte> _content = new(4 * 1024);
    private readonly Utf8JsonWriter _writer;
    private readonly Utf8JsonWriter _contentWriter;

    public HandWrittenSpanTreeWriter()
    {
        _writer = new Utf8JsonWriter(_buffer, Options);
        _contentWriter = new Utf8JsonWriter(_content, Options);
    }

    /// <summary>Writes <c>[root,generation,attempt]</c>; the bytes stay valid until the next call.</summary>
    public ReadOnlySpan<byte> Write(SpanTreeFixture f)
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        Utf8JsonWriter w = _writer;
        w.WriteStartArray();

        string start = UnixNanos.From(SpanTreeFixture.Start).ToString(CultureInfo.InvariantCulture);
        string end = UnixNanos.From(SpanTreeFixture.End).ToString(CultureInfo.InvariantCulture);

        StartSpan(w, SpanTreeFixture.RootId, null, SpanTreeFixture.RootName, 2, start, end);
        String(w, "span.type", "trace");
        String(w, "span.level", "DEFAULT");
        Identity(w, f);
        EndSpan(w);

        StartSpan(w, SpanTreeFixture.GenerationId, SpanTreeFixture.RootId, SpanTreeFixture.GenerationName, 3, start, end);
        String(w, "span.type", "generation");
        String(w, "span.level", "DEFAULT");
        String(w, "gen_ai.operation.name", "chat");
        String(w, "gen_ai.provider.name", SpanTreeFixture.Provider);
        String(w, "gen_ai.system", SpanTreeFixture.Provider);
        ChatCompletionRequest request = f.Request;
        String(w, "gen_ai.request.model", request.Model);
        if (f.IncludeContent)
        {
            Messages(w, "gen_ai.input.messages", request.Messages.Select(m => (m, (string?)null)));
        }

        Double(w, "gen_ai.request.temperature", request.Temperature!.Value);
        Double(w, "gen_ai.request.top_p", request.TopP!.Value);
        Int(w, "gen_ai.request.max_tokens", request.MaxTokens!.Value);
        Int(w, "gen_ai.request.seed", request.Seed!.Value);
        Bool(w, "gen_ai.request.stream", request.Stream!.Value);
        ChatCompletionResponse response = f.Response;
        String(w, "gen_ai.response.id", response.Id!);
        String(w, "gen_ai.response.model", response.Model!);
        Int(w, "gen_ai.usage.input_tokens", response.Usage!.PromptTokens);
        Int(w, "gen_ai.usage.output_tokens", response.Usage.CompletionTokens);
        Int(w, "gen_ai.usage.total_tokens", response.Usage.TotalTokens);
        StartAttribute(w, "gen_ai.response.finish_reasons");
        w.WriteStartObject("arrayValue");
        w.WriteStartArray("values");
        foreach (ChatChoice choice in response.Choices)
        {
            w.WriteStartObject();
            w.WriteString("stringValue", choice.FinishReason ?? "");
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
        EndAttribute(w);
        if (f.IncludeContent)
        {
            Messages(w, "gen_ai.output.messages", response.Choices.Select(c => (c.Message, c.FinishReason)));
        }

        Double(w, "gen_ai.usage.input_cost", f.Cost.Input!.Value);
        Double(w, "gen_ai.usage.output_cost", f.Cost.Output!.Value);
        Double(w, "gen_ai.usage.total_cost", f.Cost.EffectiveTotal!.Value);
        Double(w, "gen_ai.usage.cost", f.Cost.EffectiveTotal!.Value);
        Identity(w, f);
        EndSpan(w);

        ProviderAttempt attempt = f.Attempt;
        StartSpan(w, SpanTreeFixture.AttemptId, SpanTreeFixture.GenerationId, SpanTreeFixture.AttemptName, 3,
            UnixNanos.From(attempt.Start).ToString(CultureInfo.InvariantCulture), UnixNanos.From(attempt.End).ToString(CultureInfo.InvariantCulture));
        String(w, "span.type", "attempt");
        String(w, "span.level", "DEFAULT");
        String(w, "gen_ai.provider.name", attempt.Provider);
        Int(w, "gen_ai.attempt.number", 1);
        Int(w, "http.response.status_code", attempt.StatusCode!.Value);
        EndSpan(w);

        w.WriteEndArray();
        w.Flush();
        return _buffer.WrittenSpan;
    }

    private static void StartSpan(Utf8JsonWriter w, SpanId id, SpanId? parent, string name, int kind, string start, string end)
    {
        w.WriteStartObject();
        w.WriteString("traceId", SpanTreeFixture.TraceId.ToString());
        w.WriteString("spanId", id.ToString());
        if (parent is { } parentId)
        {
            w.WriteString("parentSpanId", parentId.ToString());
        }

        w.WriteNumber("flags", 257);
        w.WriteString("name", name);
        w.WriteNumber("kind", kind);
        w.WriteString("startTimeUnixNano", start);
        w.WriteString("endTimeUnixNano", end);
        w.WriteStartArray("attributes");
    }

    private static void EndSpan(Utf8JsonWriter w)
    {
        w.WriteEndArray();
        w.WriteStartObject("status");
        w.WriteNumber("code", 1);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void Identity(Utf8JsonWriter w, SpanTreeFixture f)
    {
        String(w, "user.id", f.Request.User!);
        String(w, "session.id", f.Request.SessionId!);
        String(w, "trace.name", f.Trace.TraceName!);
        String(w, "trace.trace_id", f.Trace.TraceId!);
        foreach (KeyValuePair<string, string> entry in f.MetadataInKeyOrder)
        {
            String(w, "trace.metadata." + entry.Key, entry.Value);
        }
    }

    /// <summary>The GenAI conventions' messages: role, the text as one part, and an output message's finish
    /// reason.</summary>
    private void Messages(Utf8JsonWriter w, string key, IEnumerable<(ChatMessage Message, string? FinishReason)> messages)
    {
        _content.ResetWrittenCount();
        _contentWriter.Reset(_content);
        _contentWriter.WriteStartArray();
        foreach ((ChatMessage message, string? finishReason) in messages)
        {
            _contentWriter.WriteStartObject();
            _contentWriter.WriteString("role", message.Role);
            _contentWriter.WriteStartArray("parts");
            if (message.Content is not null)
            {
                _contentWriter.WriteStartObject();
                _contentWriter.WriteString("type", "text");
                _contentWriter.WriteString("content", message.Content);
                _contentWriter.WriteEndObject();
            }

            _contentWriter.WriteEndArray();
            if (finishReason is not null)
            {
                _contentWriter.WriteString("finish_reason", finishReason);
            }

            _contentWriter.WriteEndObject();
        }

        _contentWriter.WriteEndArray();
        _contentWriter.Flush();
        StartAttribute(w, key);
        w.WriteString("stringValue", _content.WrittenSpan);
        EndAttribute(w);
    }

    private static void StartAttribute(Utf8JsonWriter w, string key)
    {
        w.WriteStartObject();
        w.WriteString("key", key);
        w.WriteStartObject("value");
    }

    private static void EndAttribute(Utf8JsonWriter w)
    {
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void String(Utf8JsonWriter w, string key, string value)
    {
        StartAttribute(w, key);
        w.WriteString("stringValue", value);
        EndAttribute(w);
    }

    private static void Int(Utf8JsonWriter w, string key, long value)
    {
        StartAttribute(w, key);
        w.WriteString("intValue", value.ToString(CultureInfo.InvariantCulture));
        EndAttribute(w);
    }

    private static void Double(Utf8JsonWriter w, string key, double value)
    {
        StartAttribute(w, key);
        w.WriteNumber("doubleValue", value);
        EndAttribute(w);
    }

    private static void Bool(Utf8JsonWriter w, string key, bool value)
    {
        StartAttribute(w, key);
        w.WriteBoolean("boolValue", value);
        EndAttribute(w);
    }
}
