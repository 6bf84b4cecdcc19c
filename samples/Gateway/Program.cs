// An OpenAI-compatible gateway that broadcasts a trace of every call to OTLP destinations.
//   dotnet run --project samples/Gateway -c Release              serve on http://127.0.0.1:5080
//   dotnet run --project samples/Gateway -c Release -- --demo     send the mission's example request, show the tree, exit
using Gateway;

bool demo = args.Contains("--demo");
string[] appArgs = [.. args.Where(a => a != "--demo")];
if (demo)
{
    return await Demo.RunAsync(appArgs, Console.Out);
}

await using WebApplication app = await GatewayApp.BuildAsync(appArgs);
if (app.Urls.Count == 0 && string.IsNullOrEmpty(app.Configuration["urls"]))
{
    app.Urls.Add("http://127.0.0.1:5080");
}

await app.RunAsync();
return 0;
