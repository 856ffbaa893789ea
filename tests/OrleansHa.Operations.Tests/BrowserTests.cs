using Microsoft.Playwright;
using Xunit.Abstractions;

namespace OrleansHa.Operations.Tests;

/// <summary>
/// The cluster page and the Orleans dashboard in a real browser, through nginx over every coordinator: log in, see the
/// active master on both, SIGKILL it, and see both show the new one while the cluster page refreshes by itself.
/// Screenshots of both pages before and after go to artifacts/test-results/screenshots.
/// </summary>
public sealed class BrowserTests(ZooKeeperFixture zooKeeper, ITestOutputHelper output) : OperationsTest(zooKeeper)
{
    private const string MasterGrainType = "OrleansHa.Grains.Master.MasterGrain";
    private static readonly TimeSpan PageTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Both_pages_show_the_new_master_after_a_sigkill_of_the_active_one()
    {
        (NodeProcess master, NodeProcess standby, ClusterView before) = await Cluster.StartMasterAndStandbyAsync();
        NodeProcess coordinator = await Cluster.StartAsync("c1", master: false);
        await using NginxProcess nginx = await NginxProcess.StartAsync([master.WebUrl, standby.WebUrl, coordinator.WebUrl]);
        await using Browser browser = await Browser.LaunchAsync();

        // Without credentials the pages ask for a login.
        await using (IBrowserContext anonymous = await browser.LogInAsync("nobody", "wrong"))
        {
            IResponse? refused = await (await anonymous.NewPageAsync()).GotoAsync(nginx.Url + "/");
            Assert.Equal(401, refused?.Status);
        }

        await using IBrowserContext context = await browser.LogInAsync(TestCredentials.User, TestCredentials.Password);
        IPage cluster = await context.NewPageAsync();
        IPage dashboard = await context.NewPageAsync();
        await cluster.GotoAsync(nginx.Url + "/");
        await ExpectMasterOnClusterPageAsync(cluster, master.Name, before.Epoch);
        Assert.Contains(standby.Name, await cluster.Locator("#standbys").InnerTextAsync(), StringComparison.Ordinal);
        await dashboard.GotoAsync($"{nginx.Url}/dashboard/#/grain/{MasterGrainType}");
        await ExpectMasterGrainOnDashboardAsync(dashboard, before.MasterSilo!);
        Report(await Browser.ScreenshotAsync(cluster, "cluster-page-before-failover"), await Browser.ScreenshotAsync(dashboard, "dashboard-before-failover"));

        await master.KillAsync();
        ClusterView after = await NodeCluster.WaitForMasterAsync(coordinator, not: master.Name, afterEpoch: before.Epoch);

        // No reload: the cluster page polls through nginx, which no longer reaches the killed node.
        await ExpectMasterOnClusterPageAsync(cluster, standby.Name, after.Epoch);
        string history = await cluster.Locator("#failovers").InnerTextAsync();
        Assert.Contains(master.Name, history, StringComparison.Ordinal);
        Assert.Contains(after.Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture), history, StringComparison.Ordinal);
        await ExpectMasterGrainOnDashboardAsync(dashboard, after.MasterSilo!);
        Report(await Browser.ScreenshotAsync(cluster, "cluster-page-after-failover"), await Browser.ScreenshotAsync(dashboard, "dashboard-after-failover"));
    }

    private static async Task ExpectMasterOnClusterPageAsync(IPage page, string node, long epoch)
    {
        await Assertions.Expect(page.Locator("#master-node")).ToHaveTextAsync(node, new() { Timeout = (float)PageTimeout.TotalMilliseconds });
        await Assertions.Expect(page.Locator("#master-epoch")).ToHaveTextAsync(epoch.ToString(System.Globalization.CultureInfo.InvariantCulture), new() { Timeout = (float)PageTimeout.TotalMilliseconds });
    }

    /// <summary>The dashboard's page of MasterGrain counts activations by silo: the active master's silo must have one.</summary>
    private static async Task ExpectMasterGrainOnDashboardAsync(IPage page, string masterSilo)
    {
        ILocator activations = page.Locator("tr", new() { HasText = masterSilo }).Locator("td").Nth(1);
        await Poll.UntilAsync(
            async () => await activations.CountAsync() == 1 && int.TryParse(await activations.InnerTextAsync(), out int count) && count > 0,
            PageTimeout,
            $"the dashboard to show an activation of {MasterGrainType} on {masterSilo}");
    }

    private void Report(string cluster, string dashboard) => TestReport.Line(output, $"screenshots: {cluster}, {dashboard}");
}
