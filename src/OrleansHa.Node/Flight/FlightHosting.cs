using OrleansHa.Node.Configuration;

namespace OrleansHa.Node.Flight;

/// <summary>
/// Arrow Flight and Flight SQL on every coordinator, on <c>services.flight.port</c> (gRPC over HTTP/2, see
/// <see cref="Http.NodeListeners"/>), beside REST in the same Kestrel server: started and stopped with the node.
/// </summary>
internal static class FlightHosting
{
    /// <summary>Where gRPC puts the methods of Flight's service (its protobuf package and service name).</summary>
    private const string ServicePath = "/arrow.flight.protocol.FlightService";

    public static void AddFlight(this IServiceCollection services, NodeConfiguration config)
    {
        if (!config.CoordinatorEnabled)
        {
            return;
        }

        services.AddGrpc(o => o.Interceptors.Add<FlightAuthentication>()).AddFlightServer<CoordinatorFlightServer>();
        services.AddSingleton<FlightLocations>();
        services.AddSingleton<FlightQueries>();
        services.AddSingleton<FlightSqlCatalog>();
    }

    public static void MapFlight(this WebApplication app, NodeConfiguration config)
    {
        if (config.CoordinatorEnabled)
        {
            // Not tied to a host name: a proxy in front may present another. Only the Flight port speaks HTTP/2 without
            // TLS, which gRPC needs, so the web port cannot carry these calls.
            app.MapFlightEndpoint();
        }
    }

    /// <summary>
    /// A call of the Flight service on the Flight port: Flight checks its own logins (<see cref="FlightAuthentication"/>),
    /// not REST's. Anything else on that port (REST's paths over HTTP/2) still passes REST's check.
    /// </summary>
    public static bool IsFlightRequest(HttpContext context, NodeConfiguration config) =>
        config.CoordinatorEnabled && context.Connection.LocalPort == config.FlightPort
        && context.Request.Path.StartsWithSegments(ServicePath, StringComparison.Ordinal);
}
