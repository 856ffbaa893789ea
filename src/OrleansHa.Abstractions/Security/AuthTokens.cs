namespace OrleansHa.Abstractions.Security;

/// <summary>How a token travels.</summary>
public static class AuthTokens
{
    /// <summary>The Orleans request-context key under which a grain client sends its token with every call.</summary>
    public const string RequestContextKey = "orleans-ha.token";
}
