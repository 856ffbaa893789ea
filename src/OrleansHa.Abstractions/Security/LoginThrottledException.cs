namespace OrleansHa.Abstractions.Security;

/// <summary>
/// Too many failed logins for this user name or from this address: the login was refused without a look at the
/// password, and may be tried again after <see cref="RetryAfter"/> (REST answers 429 with <c>Retry-After</c>).
/// </summary>
[GenerateSerializer]
public sealed class LoginThrottledException : Exception
{
    public LoginThrottledException()
        : base("Too many failed logins; try again later.")
    {
    }

    public LoginThrottledException(string message)
        : base(message)
    {
    }

    public LoginThrottledException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public LoginThrottledException(TimeSpan retryAfter)
        : base($"Too many failed logins for this user or from this address; try again in {WholeSeconds(retryAfter)} s.")
    {
        RetryAfter = retryAfter;
    }

    /// <summary>How long to wait before the next try.</summary>
    [Id(0)]
    public TimeSpan RetryAfter { get; init; }

    /// <summary>A wait in whole seconds, rounded up (as <c>Retry-After</c> takes it).</summary>
    public static long WholeSeconds(TimeSpan wait) => (long)Math.Ceiling(Math.Max(wait.TotalSeconds, 0));
}
