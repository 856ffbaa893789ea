namespace OrleansHa.Node.Security;

/// <summary>The node's logins, tokens and their keys and revocations, as services.</summary>
internal static class SecurityServices
{
    public static void AddSecurity(this IServiceCollection services)
    {
        services.AddSingleton<TokenKeys>();
        services.AddHostedService(sp => sp.GetRequiredService<TokenKeys>());
        services.AddSingleton<TokenRevocations>();
        services.AddHostedService(sp => sp.GetRequiredService<TokenRevocations>());
        services.AddSingleton<TokenService>();
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<Authenticator>();
    }
}
