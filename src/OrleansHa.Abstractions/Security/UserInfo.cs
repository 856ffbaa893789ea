namespace OrleansHa.Abstractions.Security;

/// <summary>A user and its role: an admin manages sources, spaces, views, users and the token key, and sees every job.</summary>
[GenerateSerializer]
[Immutable]
public sealed record UserInfo([property: Id(0)] string Name, [property: Id(1)] bool IsAdmin);
