using OrleansHa.Abstractions;
using OrleansHa.Client.Tests.Infrastructure;
using OrleansHa.Coordination;

namespace OrleansHa.Client.Tests;

/// <summary>A cluster of real nodes speaking mutual TLS with their CA, on fabric and client-endpoint ports, and its certificates.</summary>
public sealed class TlsClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    public TestCertificateAuthority ClusterCa { get; private set; } = null!;

    public TestCertificateAuthority ForeignCa { get; private set; } = null!;

    public NodeProcess M1 { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await TestCluster.StartAsync();
        string certificates = Path.Combine(Cluster.Nodes.Root, "certificates");
        ClusterCa = new TestCertificateAuthority(certificates, "cluster");
        ForeignCa = new TestCertificateAuthority(certificates, "foreign");
        M1 = await Cluster.Nodes.StartAsync("m1", true, ClusterCa.Issue("m1").NodeSettings());
        await NodeCluster.WaitForMasterAsync(M1);
        await Cluster.Nodes.StartAsync("m2", true, [.. ClusterCa.Issue("m2").NodeSettings(), "services.executor.enabled=false"]);
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        ClusterCa.Dispose();
        ForeignCa.Dispose();
    }
}

/// <summary>
/// Only holders of the cluster CA's certificates take part: silos of that CA form the cluster over TLS and a client
/// with such a certificate runs SQL; a client or a silo with a certificate of another CA, or with none (plain text),
/// is refused at the handshake and never gets a call through or a seat in the cluster.
/// </summary>
public sealed class TlsTests(TlsClusterFixture fixture) : IClassFixture<TlsClusterFixture>
{
    private static readonly TimeSpan Refusal = TimeSpan.FromSeconds(8);

    [Fact]
    public async Task Silos_of_the_cluster_ca_form_the_cluster_over_tls_and_its_client_runs_sql()
    {
        OrleansHaClient client = await fixture.Cluster.ConnectAsync(o => o.Tls = Files(fixture.ClusterCa.Issue("app")));
        ClusterStatus status = await TestCluster.WaitForAsync(client, "m1", "m2");
        Assert.Contains("m2", status.Standbys);
        List<object?[]> rows = [];
        await foreach (object?[] row in client.QueryAsync("SELECT 6 * 7 AS answer").RowsAsync())
        {
            rows.Add(row);
        }

        Assert.Equal(42, Convert.ToInt32(Assert.Single(Assert.Single(rows))!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_client_with_a_foreign_ca_certificate_or_none_is_refused()
    {
        TlsFiles foreign = fixture.ForeignCa.Issue("intruder-app");
        var withForeign = await Assert.ThrowsAnyAsync<Exception>(() => fixture.Cluster.ConnectAsync(o =>
        {
            o.Tls = Files(foreign);
            o.ConnectTimeout = Refusal;
        }));
        Assert.Contains("Could not connect to cluster", withForeign.Message, StringComparison.Ordinal);

        var plain = await Assert.ThrowsAnyAsync<Exception>(() => fixture.Cluster.ConnectAsync(o => o.ConnectTimeout = Refusal));
        Assert.Contains("Could not connect to cluster", plain.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_client_certificate_not_of_its_ca_is_refused_before_connecting()
    {
        TlsFiles foreign = fixture.ForeignCa.Issue("mixed");
        var error = Assert.Throws<ClusterTlsException>(() => ClusterTls.Load(new ClusterTlsFiles(fixture.ClusterCa.CaFile, foreign.Certificate, foreign.Key)));
        Assert.Contains($"'{foreign.Certificate}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("is not signed by the cluster's CA", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silo_with_a_foreign_ca_certificate_or_none_never_joins()
    {
        OrleansHaClient client = await fixture.Cluster.ConnectAsync(o => o.Tls = Files(fixture.ClusterCa.Issue("watcher")));
        int rejectedBefore = fixture.M1.Lines.Count(IsRejectedHandshake);
        NodeProcess foreign = fixture.Cluster.Nodes.Launch("foreign", false, [.. fixture.ForeignCa.Issue("foreign-silo").NodeSettings(), "supervisor.enabled=false"]);
        NodeProcess plain = fixture.Cluster.Nodes.Launch("plain", false, "supervisor.enabled=false");

        // Each must reach every Active silo before it joins; the cluster's silo refuses every handshake, so neither does.
        foreach ((NodeProcess node, int refusals) in new[] { (foreign, 1), (plain, 2) })
        {
            try
            {
                await Poll.UntilAsync(
                    () => node.Lines.Any(IsUnreachable) && fixture.M1.Lines.Count(IsRejectedHandshake) >= rejectedBefore + refusals,
                    TimeSpan.FromSeconds(60),
                    $"{node.Name} to fail to reach the cluster's silo, which refuses its handshake");
            }
            catch (TimeoutException ex)
            {
                throw new TimeoutException($"{ex.Message}\n{node.Name}:\n{node.Output}\nm1:\n{fixture.M1.Output}", ex);
            }
        }

        ClusterStatus status = await client.GetClusterStatusAsync();
        Assert.DoesNotContain(status.Nodes, n => n.Name is "foreign" or "plain" && n.Status == "Active");
        Assert.Contains(status.Nodes, n => n.Name == "m1" && n.Status == "Active");
    }

    private static bool IsUnreachable(string line) => line.Contains("Failed to get ping responses", StringComparison.Ordinal);

    private static bool IsRejectedHandshake(string line) =>
        line.Contains("TlsServerConnectionMiddleware", StringComparison.Ordinal) && line.Contains("Authentication failed", StringComparison.Ordinal);

    private static ClusterTlsFiles Files(TlsFiles files) => new(files.Ca, files.Certificate, files.Key);
}
