namespace OrleansHa.Abstractions.Security;

/// <summary>
/// Logs a user in on a coordinator and returns a token. A grain client calls it first; every later call then carries
/// the token in <see cref="AuthTokens.RequestContextKey"/> and coordinators refuse client calls without a valid one.
/// </summary>
public interface ILoginGrain : IGrainWithIntegerKey
{
    /// <exception cref="AuthenticationFailedException">The user is unknown or the password is wrong.</exception>
    /// <exception cref="LoginThrottledException">Too many failed logins for this user: try again after its <see cref="LoginThrottledException.RetryAfter"/>.</exception>
    Task<string> LoginAsync(string userName, string password);
}
