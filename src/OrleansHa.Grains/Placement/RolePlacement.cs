using Orleans.Metadata;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace OrleansHa.Grains.Placement;

/// <summary>The roles a node plays, published as silo metadata so that placement and the dashboard can see them.</summary>
public static class SiloRoles
{
    /// <summary>The silo metadata key whose value lists the node's roles, comma-separated.</summary>
    public const string MetadataKey = "orleans-ha.roles";

    /// <summary>The silo metadata key whose value is the node's name (<c>node.name</c>).</summary>
    public const string NodeNameKey = "orleans-ha.node";

    /// <summary>The silo metadata key whose value is the URL of the node's REST API.</summary>
    public const string WebUrlKey = "orleans-ha.web";

    /// <summary>The silo metadata key whose value is the node's Arrow Flight location (<c>grpc+tcp://host:port</c>), on coordinators.</summary>
    public const string FlightUrlKey = "orleans-ha.flight";

    public const string Master = "master";
    public const string Coordinator = "coordinator";
    public const string Executor = "executor";

    /// <summary>Whether a silo's metadata lists <paramref name="role"/>.</summary>
    public static bool Has(SiloMetadata metadata, string role) =>
        metadata.Metadata.GetValueOrDefault(MetadataKey) is { } roles
        && roles.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Contains(role, StringComparer.Ordinal);
}

/// <summary>
/// "Only on silos of role X". Orleans' own metadata filter compares with the placing silo's metadata, so it cannot
/// say that: a grain on a coordinator placed from an executor would follow the executor.
/// </summary>
public sealed class RolePlacementFilterStrategy(string role) : PlacementFilterStrategy(order: 0)
{
    private const string RoleProperty = "role";

    public RolePlacementFilterStrategy()
        : this(string.Empty)
    {
    }

    public string Role { get; private set; } = role;

    public override void AdditionalInitialize(GrainProperties properties) => Role = GetPlacementFilterGrainProperty(RoleProperty, properties) ?? string.Empty;

    protected override IEnumerable<KeyValuePair<string, string>> GetAdditionalGrainProperties(
        IServiceProvider services, Type grainClass, GrainType grainType, IReadOnlyDictionary<string, string> existingProperties)
    {
        yield return new KeyValuePair<string, string>(RoleProperty, Role);
    }
}

/// <summary>Places the grain class only on silos of <paramref name="role"/> (see <see cref="SiloRoles"/>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class RolePlacementAttribute(string role) : PlacementFilterAttribute(new RolePlacementFilterStrategy(role))
{
    public string Role { get; } = role;
}

/// <summary>Keeps the silos whose metadata lists the strategy's role; none left means none may host the grain.</summary>
internal sealed class RolePlacementFilterDirector(ISiloMetadataCache metadata) : IPlacementFilterDirector
{
    public IEnumerable<SiloAddress> Filter(PlacementFilterStrategy filterStrategy, PlacementTarget target, IEnumerable<SiloAddress> silos)
    {
        string role = ((RolePlacementFilterStrategy)filterStrategy).Role;
        return silos.Where(silo => SiloRoles.Has(metadata.GetSiloMetadata(silo), role));
    }
}
