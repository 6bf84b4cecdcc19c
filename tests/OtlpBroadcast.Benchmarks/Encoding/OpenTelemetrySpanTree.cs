using System.Diagnostics;
using System.Net;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using OtlpBroadcast.OpenAi;

namespace OtlpBroadcast.Benchmarks;

/// <summary>
/// The OpenTelemetry .NET SDK doing the same job its way: three <see cref="Activity"/> spans with the same tags from an
/// <see cref="ActivitySource"/>, handed on end to its OTLP exporter (protobuf over HTTP) as one batch of three, sent
/// into an in-process handler.
/// </summary>
internal sealed class OpenTelemetrySpanTree : IDisposable
{
    public const string SourceName = "OtlpBroadcast.Benchmarks.OpenTelemetry";

    private readonly ActivitySource _source = new(SourceName);
    private readonly TracerProvider _provider;
    private TreeExportProcessor? _treeProcessor;

    /// <summary>Exports each tree as one batch of three, synchronously, into <paramref name="handler"/>.</summary>
    /// <param name="handler">Where the exporter posts.</param>
    /// <param name="holdTree">Keep the first tree's three ended spans instead of exporting them, for
    /// <see cref="ExportHeldTree"/> (the export step alone).</param>
    public OpenTelemetrySpanTree(HttpMessageHandler handler, bool holdTree = false)
    {
        _provider = CreateProvider(
            new OtlpExporterOptions
            {
                Protocol = OtlpExportProtocol.HttpProtobuf,
                Endpoint = new Uri("http://127.0.0.1:4318/v1/traces"),
                HttpClientFactory = () => new HttpClient(handler, disposeHandler: false),
            },
            exporter => _treeProcessor = new TreeExportProcessor(exporter, holdTree));
    }

    /// <summary>Exports to <paramref name="endpoint"/> with the SDK's batching processor (for end-to-end runs).</summary>
    public OpenTelemetrySpanTree(Uri endpoint, int maxQueueSize)
        : this(
            new OtlpExporterOptions { Protocol = OtlpExportProtocol.HttpProtobuf, Endpoint = endpoint },
            exporter => new BatchActivityExportProcessor(exporter, maxQueueSize, scheduledDelayMilliseconds: 100, exporterTimeoutMilliseconds: 30_000, maxExportBatchSize: 512))
    {
    }

    private OpenTelemetrySpanTree(OtlpExporterOptions options, Func<BaseExporter<Activity>, BaseProcessor<Activity>> processor)
        => _provider = CreateProvider(options, processor);

    private static TracerProvider CreateProvider(OtlpExporterOptions options, Func<BaseExporter<Activity>, BaseProcessor<Activity>> processor)
        => Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("benchmark"))
            .AddSource(SourceName)
            .SetSampler(new AlwaysOnSampler())
            .AddProcessor(processor(new OtlpTraceExporter(options)))
            .Build()!;

    /// <summary>Exports what the processor holds.</summary>
    public bool Flush(int timeoutMilliseconds) => _provider.ForceFlush(timeoutMilliseconds);

    /// <summary>Creates, tags and ends the three spans; the exporter sends them when the root ends.</summary>
    public void Record(SpanTreeFixture f)
    {
        using Activity root = _source.StartActivity(SpanTreeFixture.RootName, ActivityKind.Server)!;
        root.SetTag("span.type", "trace");
        root.SetTag("span.level", "DEFAULT");
        Identity(root, f);

        using (Activity generation = _source.StartActivity(SpanTreeFixture.GenerationName, ActivityKind.Client)!)
        {
            ChatCompletionRequest request = f.Request;
            ChatCompletionResponse response = f.Response;
            generation.SetTag("span.type", "generation");
            generation.SetTag("span.level", "DEFAULT");
            generation.SetTag("gen_ai.operation.name", "chat");
            generation.SetTag("gen_ai.provider.name", SpanTreeFixture.Provider);
            generation.SetTag("gen_ai.system", SpanTreeFixture.Provider);
            generation.SetTag("gen_ai.request.model", request.Model);
            if (f.IncludeContent)
            {
                generation.SetTag("gen_ai.input.messages", ContentText.Messages(request.Messages));
            }

            generation.SetTag("gen_ai.request.temperature", request.Temperature!.Value);
            generation.SetTag("gen_ai.request.top_p", request.TopP!.Value);
            generation.SetTag("gen_ai.request.max_tokens", (long)request.MaxTokens!.Value);
            generation.SetTag("gen_ai.request.seed", request.Seed!.Value);
            generation.SetTag("gen_ai.request.stream", request.Stream!.Value);
            generation.SetTag("gen_ai.response.id", response.Id);
            generation.SetTag("gen_ai.response.model", response.Model);
            generation.SetTag("gen_ai.usage.input_tokens", response.Usage!.PromptTokens);
            generation.SetTag("gen_ai.usage.output_tokens", response.Usage.CompletionTokens);
            generation.SetTag("gen_ai.usage.total_tokens", response.Usage.TotalTokens);
            generation.SetTag("gen_ai.response.finish_reasons", response.Choices.Select(c => c.FinishReason ?? "").ToArray());
            if (f.IncludeContent)
            {
                generation.SetTag("gen_ai.output.messages", ContentText.OutputMessages(response.Choices));
            }

            generation.SetTag("gen_ai.usage.input_cost", f.Cost.Input!.Value);
            generation.SetTag("gen_ai.usage.output_cost", f.Cost.Output!.Value);
            generation.SetTag("gen_ai.usage.total_cost", f.Cost.EffectiveTotal!.Value);
            generation.SetTag("gen_ai.usage.cost", f.Cost.EffectiveTotal!.Value);
            Identity(generation, f);

            using Activity attempt = _source.StartActivity(SpanTreeFixture.AttemptName, ActivityKind.Client)!;
            attempt.SetTag("span.type", "attempt");
            attempt.SetTag("span.level", "DEFAULT");
            attempt.SetTag("gen_ai.provider.name", f.Attempt.Provider);
            attempt.SetTag("gen_ai.attempt.number", 1L);
            attempt.SetTag("http.response.status_code", (long)f.Attempt.StatusCode!.Value);
            attempt.SetStatus(ActivityStatusCode.Ok);
            generation.SetStatus(ActivityStatusCode.Ok);
        }

        root.SetStatus(ActivityStatusCode.Ok);
    }

    /// <summary>
    /// The export step alone: the OTLP exporter serialises the three spans held by <see cref="Record"/> (already
    /// created, tagged and ended) into protobuf and posts them to the handler, as it does for every batch.
    /// </summary>
    public ExportResult ExportHeldTree()
        => _treeProcessor?.ExportHeld() ?? throw new InvalidOperationException("Create the tree with holdTree: true and record it first.");

    public void Dispose()
    {
        _provider.Dispose();
        _source.Dispose();
    }

    private static void Identity(Activity activity, SpanTreeFixture f)
    {
        activity.SetTag("user.id", f.Request.User);
        activity.SetTag("session.id", f.Request.SessionId);
        activity.SetTag("trace.name", f.Trace.TraceName);
        activity.SetTag("trace.trace_id", f.Trace.TraceId);
        foreach (KeyValuePair<string, string> entry in f.MetadataInKeyOrder)
        {
            activity.SetTag("trace.metadata." + entry.Key, entry.Value);
        }
    }

    /// <summary>Exports the three spans of a tree as one batch, synchronously, when the third ends; or, holding,
    /// keeps the first tree's spans for <see cref="ExportHeld"/>.</summary>
    private sealed class TreeExportProcessor(BaseExporter<Activity> exporter, bool hold) : BaseExportProcessor<Activity>(exporter)
    {
        private readonly Activity[] _ended = new Activity[3];
        private int _count;

        public ExportResult ExportHeld()
            => _count == _ended.Length
                ? exporter.Export(new Batch<Activity>(_ended, _count))
                : throw new InvalidOperationException($"{_count} of {_ended.Length} spans are held: record one tree first.");

        protected override void OnExport(Activity data)
        {
            if (hold && _count == _ended.Length)
            {
                throw new InvalidOperationException("A tree is already held.");
            }

            _ended[_count++] = data;
            if (_count == _ended.Length && !hold)
            {
                exporter.Export(new Batch<Activity>(_ended, _count));
                Array.Clear(_ended);
                _count = 0;
            }
        }
    }
}

/// <summary>Answers every request with 200 after reading the body, without a network.</summary>
internal sealed class AcceptingHandler : HttpMessageHandler
{
    private long _bytes;

    public long BytesReceived => Interlocked.Read(ref _bytes);

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is not null)
        {
            using var counting = new CountingStream();
            request.Content.CopyTo(counting, null, cancellationToken);
            Interlocked.Add(ref _bytes, counting.Length);
        }

        return Accepted(request);
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is not null)
        {
            using var counting = new CountingStream();
            await request.Content.CopyToAsync(counting, cancellationToken).ConfigureAwait(false);
            Interlocked.Add(ref _bytes, counting.Length);
        }

        return Accepted(request);
    }

    private static HttpResponseMessage Accepted(HttpRequestMessage request)
    {
        bool json = request.Content?.Headers.ContentType?.MediaType == "application/json";
        return new HttpResponseMessage(HttpStatusCode.OK)
        {
            RequestMessage = request,
            Content = json ? new ByteArrayContent("{}"u8.ToArray()) { Headers = { { "Content-Type", "application/json" } } } : new ByteArrayContent([]),
        };
    }

    /// <summary>A write-only stream that counts bytes.</summary>
    private sealed class CountingStream : Stream
    {
        private long _length;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => _length += count;
        public override void Write(ReadOnlySpan<byte> buffer) => _length += buffer.Length;
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _length += buffer.Length;
            return ValueTask.CompletedTask;
        }
    }
}
