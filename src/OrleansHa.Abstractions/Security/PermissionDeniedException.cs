namespace OrleansHa.Abstractions.Security;

/// <summary>
/// The caller is logged in but its role does not allow the call; the message says what was refused and which role it
/// needs (REST answers 403 with it). Not retriable as it is: an admin must grant the role.
/// </summary>
[GenerateSerializer]
public sealed class PermissionDeniedException : Exception
{
    /// <summary>The role every admin-only operation needs: Dremio's ADMIN.</summary>
    public const string AdminRole = "admin";

    public PermissionDeniedException()
        : base("Permission denied.")
    {
    }

    public PermissionDeniedException(string message)
        : base(message)
    {
    }

    public PermissionDeniedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public PermissionDeniedException(string message, string requiredRole)
        : base(message)
    {
        RequiredRole = requiredRole;
    }

    /// <summary>The role the call needs, when a role would allow it.</summary>
    [Id(0)]
    public string? RequiredRole { get; init; }

    /// <summary>Refuses <paramref name="doing"/> (e.g. "Creating a source") to <paramref name="user"/>, who is not an admin.</summary>
    public static PermissionDeniedException NeedsAdmin(string doing, string user) =>
        new($"{doing} needs the {AdminRole} role, which user '{user}' does not have.", AdminRole);
}
