using System.Net;
using System.Text.Json;
using OrleansHa.Clustering.ZooKeeper;
using OrleansHa.Node.Tests.Failover;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Node.Tests.Security;

/// <summary>
/// No secret reaches a log: every line every node (supervisor and silo) wrote through logins, a wrong password, a bad
/// token, a failover and a login on the new master is searched for the admin password, each token issued or sent, and
/// the signing keys as ZooKeeper holds them, and the cluster's ZooKeeper password.
/// </summary>
public sealed class SecretLogTests(EnsembleFixture zk) : NodeClusterTest(zk)
{
    [Fact]
    public async Task No_password_token_or_signing_key_appears_in_any_node_log_through_logins_errors_and_a_failover()
    {
        (NodeProcess master, NodeProcess standby, ClusterView before) = await Cluster.StartMasterAndStandbyAsync();
        var secrets = new List<string> { TestCredentials.Password, TestCredentials.ZooKeeperIdentity.Password };
        string token = await Rest.LoginAsync(master, TestCredentials.User, TestCredentials.Password);
        secrets.Add(token);

        string wrongPassword = "not-" + TestCredentials.Password;
        secrets.Add(wrongPassword);
        using (HttpResponseMessage wrong = await Rest.LoginResponseAsync(master, TestCredentials.User, wrongPassword))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        // A token one character off: a client's mistake, and still not for the log.
        string badToken = token[..^1] + (token[^1] == 'A' ? 'B' : 'A');
        secrets.Add(badToken);
        using (HttpResponseMessage refused = await Rest.SendAsync(master, HttpMethod.Get, "/api/v3/catalog/spaces", Rest.Dremio(badToken)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        await master.KillSiloAsync();
        await NodeCluster.WaitForMasterAsync(standby, not: master.Name, afterEpoch: before.Epoch, within: NodeCluster.TakeoverBound);
        secrets.Add(await Rest.LoginAsync(standby, TestCredentials.User, TestCredentials.Password));
        using (HttpResponseMessage failed = await Rest.LoginResponseAsync(standby, "nobody", wrongPassword))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        await using (ZooKeeperClient zooKeeper = await ZooKeeperClient.ConnectAsync(TestCredentials.ZooKeeperOptions(ZooKeeper.Ensemble.ConnectionString)))
        {
            NodeData ring = await zooKeeper.GetDataAsync(ClusterZnodes.For(Cluster.ClusterId).TokenKey);
            using JsonDocument keys = JsonDocument.Parse(ring.Data);
            foreach (JsonElement key in keys.RootElement.GetProperty("keys").EnumerateArray())
            {
                string base64 = key.GetProperty("key").GetString()!;
                secrets.Add(base64);
                secrets.Add(Convert.ToHexString(Convert.FromBase64String(base64)));
            }
        }

        // The search must have read what the events wrote: both nodes' tenure lines are there.
        string[] lines = [.. Cluster.AllProcesses.SelectMany(n => n.Lines.Select(l => $"{n.Name}: {l}"))];
        Assert.Contains(lines, l => l.StartsWith(master.Name, StringComparison.Ordinal) && l.Contains("-> Active", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith(standby.Name, StringComparison.Ordinal) && l.Contains("-> Active", StringComparison.Ordinal));
        string[] leaks = [.. lines.Where(l => secrets.Any(s => l.Contains(s, StringComparison.OrdinalIgnoreCase)))];
        Assert.True(leaks.Length == 0, $"{leaks.Length} of {lines.Length} log lines hold a secret:\n{string.Join('\n', leaks.Take(10))}");
    }
}
