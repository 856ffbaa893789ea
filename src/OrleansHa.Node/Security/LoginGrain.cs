using Orleans.Concurrency;
using OrleansHa.Abstractions.Security;

namespace OrleansHa.Node.Security;

/// <summary>Logs grain clients in on the coordinator they reached; local to it, so a login never crosses the cluster.</summary>
[StatelessWorker]
internal sealed class LoginGrain(Authenticator authenticator) : Grain, ILoginGrain
{
    public async Task<string> LoginAsync(string userName, string password) =>
        (await authenticator.LoginAsync(userName, password, CancellationToken.None)).Token;
}
