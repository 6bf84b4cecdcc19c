namespace OtlpBroadcast.IntegrationTests;

/// <summary>One dashboard for every test class in the <see cref="AspireCollection"/>: it starts in about a second,
/// but once is enough, and tests tell their data apart by trace id.</summary>
public sealed class AspireFixture : IAsyncLifetime
{
    private AspireDashboard? _dashboard;

    public AspireDashboard Dashboard => _dashboard ?? throw new InvalidOperationException("The dashboard is not started.");

    public async Task InitializeAsync() => _dashboard = await AspireDashboard.StartAsync();

    public async Task DisposeAsync()
    {
        if (_dashboard is not null)
        {
            await _dashboard.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AspireCollection : ICollectionFixture<AspireFixture>
{
    public const string Name = "Aspire Dashboard";
}
