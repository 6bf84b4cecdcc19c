using System.Diagnostics;

namespace OtlpBroadcast.Tests.GenAi;

public class TraceIdentityTests
{
    [Fact]
    public void TraceIdIsDerivedByTheDocumentedRuleAndKeptRaw()
    {
        TraceIdentity identity = TraceIdentity.Resolve(new TraceField { TraceId = "app_trace_001" }, ambient: null);

        Assert.Equal("522cf1e8476223c9f6ae5d9d0f41c52e", identity.TraceId.ToString());
        Assert.Equal("app_trace_001", identity.RawTraceId);
        Assert.False(identity.ParentSpanId.IsValid);
    }

    [Fact]
    public void HexIdsAreUsedAsGiven()
    {
        TraceIdentity identity = TraceIdentity.Resolve(
            new TraceField { TraceId = "4BF92F3577B34DA6A3CE929D0E0E4736", ParentSpanId = "00F067AA0BA902B7" }, ambient: null);

        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", identity.TraceId.ToString());
        Assert.Equal("00f067aa0ba902b7", identity.ParentSpanId.ToString());
    }

    [Theory]
    [InlineData("0000000000000000")]
    [InlineData("00000000000000000000000000000000")]
    public void AnAllZeroParentIsNoParent(string parent)
    {
        // W3C's invalid span id: what a caller sends for "no parent". Derived like any string, it would name a parent
        // that no backend ever receives.
        TraceIdentity identity = TraceIdentity.Resolve(new TraceField { TraceId = "app_trace_001", ParentSpanId = parent }, null);

        Assert.False(identity.ParentSpanId.IsValid);
        Assert.Equal(TraceId.FromString("app_trace_001"), identity.TraceId);
    }

    [Fact]
    public void ANonHexParentIsDerivedToo()
        => Assert.Equal(
            SpanId.FromString("caller-span"),
            TraceIdentity.Resolve(new TraceField { TraceId = "t", ParentSpanId = "caller-span" }, null).ParentSpanId);

    [Fact]
    public void WithoutATraceFieldTheAmbientActivityIsTheParent()
    {
        using var activity = BroadcastTestKit.StartRecordedActivity("caller");

        TraceIdentity identity = TraceIdentity.Resolve(null, activity);

        Assert.Equal(activity.TraceId.ToHexString(), identity.TraceId.ToString());
        Assert.Equal(activity.SpanId.ToHexString(), identity.ParentSpanId.ToString());
        Assert.Null(identity.RawTraceId);
    }

    [Fact]
    public void AnAmbientActivityNobodyRecordsIsNotAParentAndWithoutACallerATraceIsNew()
    {
        // What ASP.NET Core starts for a request when no tracing SDK listens: a span nobody exports, under which the
        // broadcast's top span would hang with a parent no backend ever receives.
        using var activity = new Activity("incoming request").SetIdFormat(ActivityIdFormat.W3C).Start();

        TraceIdentity identity = TraceIdentity.Resolve(null, activity);
        TraceIdentity parentOnly = TraceIdentity.Resolve(new TraceField { ParentSpanId = "00f067aa0ba902b7" }, activity);

        Assert.NotEqual(activity.TraceId.ToHexString(), identity.TraceId.ToString());
        Assert.True(identity.TraceId.IsValid);
        Assert.False(identity.ParentSpanId.IsValid);
        Assert.False(parentOnly.ParentSpanId.IsValid);
    }

    [Fact]
    public void AnAmbientActivityNobodyRecordsLeadsToTheCallersSpanItCameWith()
    {
        // A request that came with a traceparent to a service without a tracing SDK: the caller's span is the parent.
        using var activity = new Activity("incoming request").SetIdFormat(ActivityIdFormat.W3C);
        activity.SetParentId(ActivityTraceId.CreateFromString("4bf92f3577b34da6a3ce929d0e0e4736"), ActivitySpanId.CreateFromString("00f067aa0ba902b7"), ActivityTraceFlags.None);
        activity.Start();

        TraceIdentity identity = TraceIdentity.Resolve(null, activity);
        TraceIdentity withParent = TraceIdentity.Resolve(new TraceField { ParentSpanId = "1111111111111111" }, activity);

        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", identity.TraceId.ToString());
        Assert.Equal("00f067aa0ba902b7", identity.ParentSpanId.ToString());
        Assert.False(identity.ParentIsLocal);
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", withParent.TraceId.ToString());
        Assert.Equal("1111111111111111", withParent.ParentSpanId.ToString());
    }

    [Fact]
    public void AnActivityNobodyRecordsLeadsToTheRecordedActivityItRunsIn()
    {
        using Activity request = BroadcastTestKit.StartRecordedActivity("incoming request");
        using var inner = new Activity("unsampled work").Start();
        inner.ActivityTraceFlags = ActivityTraceFlags.None;

        TraceIdentity identity = TraceIdentity.Resolve(null, inner);

        Assert.Equal(request.TraceId.ToHexString(), identity.TraceId.ToString());
        Assert.Equal(request.SpanId.ToHexString(), identity.ParentSpanId.ToString());
        Assert.True(identity.ParentIsLocal);
    }

    [Fact]
    public void ATraceIdWinsOverTheAmbientActivity()
    {
        using var activity = BroadcastTestKit.StartRecordedActivity("caller");

        TraceIdentity identity = TraceIdentity.Resolve(new TraceField { TraceId = "app_trace_001" }, activity);

        Assert.Equal(TraceId.FromString("app_trace_001"), identity.TraceId);
        Assert.False(identity.ParentSpanId.IsValid);
    }

    [Fact]
    public void AParentWithoutTraceIdJoinsTheAmbientTrace()
    {
        using var activity = BroadcastTestKit.StartRecordedActivity("caller");

        TraceIdentity identity = TraceIdentity.Resolve(new TraceField { ParentSpanId = "00f067aa0ba902b7" }, activity);

        Assert.Equal(activity.TraceId.ToHexString(), identity.TraceId.ToString());
        Assert.Equal("00f067aa0ba902b7", identity.ParentSpanId.ToString());
    }

    [Fact]
    public void WithNothingATraceIsNewAndHasNoParent()
    {
        TraceIdentity first = TraceIdentity.Resolve(new TraceField { ParentSpanId = "00f067aa0ba902b7", TraceId = "" }, null);
        TraceIdentity second = TraceIdentity.Resolve(null, null);

        Assert.True(first.TraceId.IsValid);
        Assert.NotEqual(first.TraceId, second.TraceId);
        Assert.False(first.ParentSpanId.IsValid);
        Assert.Null(first.RawTraceId);
    }
}
