namespace Gateway;

/// <summary>What the endpoints that take a JSON body share.</summary>
internal static class JsonBody
{
    /// <summary>
    /// A 415 answer when the request does not say its body is JSON (<c>curl -d</c> without a <c>Content-Type</c> sends
    /// <c>application/x-www-form-urlencoded</c>), which reading it as JSON would otherwise turn into a 500; otherwise
    /// <see langword="null"/>.
    /// </summary>
    public static IResult? RefuseIfNotJson(HttpRequest http) => http.HasJsonContentType()
        ? null
        : Results.Json(
            new ErrorView("The body must be JSON, sent with Content-Type: application/json."),
            GatewayJsonContext.Default.ErrorView,
            statusCode: StatusCodes.Status415UnsupportedMediaType);
}
