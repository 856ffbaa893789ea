using Orleans.Concurrency;
using OrleansHa.Abstractions.Security;

namespace OrleansHa.Node.Security;

/// <summary>
/// Logs grain clients in on the coordinator they reached; local to it, so a login never crosses the cluster. A grain
/// call does not show the client's network address, so failures count against the user name alone here.
/// </summary>
[StatelessWorker]
internal sealed class LoginGrain(Authenticator authenticator) : Grain, ILoginGrain
{
    public async Task<string> LoginAsync(string userName, string password) =>
        (await authenticator.LoginAsync(userName, password, address: null, CancellationToken.None)).Token;
}
