namespace OrleansHa.Abstractions.Security;

/// <summary>A login with a wrong password or unknown user, or a call with a missing, malformed or expired token.</summary>
[GenerateSerializer]
public sealed class AuthenticationFailedException : Exception
{
    public AuthenticationFailedException()
        : base("Not authenticated: log in for a token.")
    {
    }

    public AuthenticationFailedException(string message)
        : base(message)
    {
    }

    public AuthenticationFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
