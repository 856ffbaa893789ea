using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using OrleansHa.Node.Configuration;

namespace OrleansHa.Node.Http;

/// <summary>
/// Every port the node's Kestrel server listens on, in one place: REST, the pages and the dashboard on
/// <c>services.coordinator.web.port</c>; on coordinators, Arrow Flight on <c>services.flight.port</c>, HTTP/2 only
/// (gRPC without TLS needs HTTP/2 from the first byte).
/// </summary>
internal static class NodeListeners
{
    public static void UseNodeListeners(this IWebHostBuilder web, NodeConfiguration config) =>
        web.ConfigureKestrel(kestrel =>
        {
            IPAddress address = IPAddress.Parse(config.NodeAddress);
            kestrel.Listen(address, config.WebPort);
            if (config.CoordinatorEnabled)
            {
                kestrel.Listen(address, config.FlightPort, listen => listen.Protocols = HttpProtocols.Http2);
            }
        });
}
