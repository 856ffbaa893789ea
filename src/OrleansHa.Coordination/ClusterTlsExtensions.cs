using OrleansHa.Coordination;

namespace Orleans.Hosting;

/// <summary>The cluster's mutual TLS (<see cref="ClusterTls"/>) on silo-to-silo, gateway and client connections.</summary>
public static class ClusterTlsExtensions
{
    /// <summary>Silo-to-silo and gateway connections speak TLS only, with peers of the cluster's CA.</summary>
    public static ISiloBuilder UseClusterTls(this ISiloBuilder builder, ClusterTls tls)
    {
        ArgumentNullException.ThrowIfNull(tls);
        return builder.UseTls(tls.Configure);
    }

    /// <summary>The client's connections to gateways speak TLS only, with gateways of the cluster's CA.</summary>
    public static IClientBuilder UseClusterTls(this IClientBuilder builder, ClusterTls tls)
    {
        ArgumentNullException.ThrowIfNull(tls);
        return builder.UseTls(tls.Configure);
    }
}
