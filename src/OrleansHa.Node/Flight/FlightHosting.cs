using OrleansHa.Node.Configuration;

namespace OrleansHa.Node.Flight;

/// <summary>
/// Arrow Flight and Flight SQL on every coordinator, on <c>services.flight.port</c> (gRPC over HTTP/2, see
/// <see cref="Http.NodeListeners"/>), beside REST in the same Kestrel server: started and stopped with the node.
/// </summary>
internal static class FlightHosting
{
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
            app.MapFlightEndpoint().RequireHost($"*:{config.FlightPort}");
        }
    }

    /// <summary>A request on the Flight port: Flight checks its own logins (<see cref="FlightAuthentication"/>), not REST's.</summary>
    public static bool IsFlightRequest(HttpContext context, NodeConfiguration config) =>
        config.CoordinatorEnabled && context.Connection.LocalPort == config.FlightPort;
}
