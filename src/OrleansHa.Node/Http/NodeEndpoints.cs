using OrleansHa.Coordination;
using OrleansHa.Abstractions;
using OrleansHa.Grains.Cluster;
using OrleansHa.Grains.Election;
using OrleansHa.Node.Security;

namespace OrleansHa.Node.Http;

/// <summary>The node's REST API: Dremio's server_status, the cluster view, and the first slice of the catalog.</summary>
internal static class NodeEndpoints
{
    public static void MapNodeEndpoints(this WebApplication app)
    {
        // Open, as in Dremio: load balancers and operators poll it.
        app.MapGet("/apiv2/server_status", (ActiveMasterFollower masters) => masters.Current is null
            ? Results.Json("MASTER_DOWN", statusCode: StatusCodes.Status503ServiceUnavailable)
            : Results.Json("OK"));

        app.MapGet("/api/v3/cluster", async (ClusterStatusReader reader, CancellationToken ct) =>
        {
            // The same view grain clients get, read here directly: this node may serve HTTP before it takes grain calls.
            ClusterStatus status = await reader.ReadAsync(ct);
            MasterInfo? active = status.Master;
            return Results.Json(new
            {
                nodes = status.Nodes.Select(n => new { name = n.Name, address = n.SiloAddress, roles = n.Roles, status = n.Status, web = n.WebUrl }),
                master = active is null ? null : new { node = active.NodeName, epoch = active.Epoch, since = active.Since, silo = active.SiloAddress, web = active.WebUrl },
                standbys = status.Standbys,
            });
        });

        RouteGroupBuilder catalog = app.MapGroup("/api/v3/catalog");
        catalog.MapGet("/spaces", (MasterClient master, CancellationToken ct) =>
            Answer(() => master.ReadAsync(m => m.ListSpacesAsync(), ct)));
        catalog.MapPost("/spaces", (SpaceRequest request, MasterClient master, CancellationToken ct) =>
            Answer(async () =>
            {
                await master.WriteAsync(m => m.CreateSpaceAsync(request.Name ?? string.Empty), ct);
                return new { name = request.Name };
            }, StatusCodes.Status201Created));
        catalog.MapDelete("/spaces/{space}", (string space, MasterClient master, CancellationToken ct) =>
            Answer(async () =>
            {
                await master.WriteAsync(m => m.DropSpaceAsync(space), ct);
                return new { name = space };
            }));
        catalog.MapGet("/spaces/{space}/entries", (string space, MasterClient master, CancellationToken ct) =>
            Answer(() => master.ReadAsync(m => m.ListEntriesAsync(space), ct)));
        catalog.MapGet("/spaces/{space}/entries/{key}", async (string space, string key, MasterClient master, CancellationToken ct) =>
        {
            IResult result = await Answer(() => master.ReadAsync(m => m.GetEntryAsync(space, key), ct));
            return result is IValueHttpResult { Value: null } ? HttpProblems.Problem(StatusCodes.Status404NotFound, $"No entry '{key}' in space '{space}'.") : result;
        });
        MapSources(catalog);
        MapViews(catalog);
        MapUsers(app);
        catalog.MapPut("/spaces/{space}/entries/{key}", (string space, string key, EntryRequest request, MasterClient master, CancellationToken ct) =>
            Answer(async () => new { version = await master.WriteAsync(m => m.PutEntryAsync(space, key, request.Value ?? string.Empty, request.ExpectedVersion), ct) }));
    }

    private static void MapSources(RouteGroupBuilder catalog)
    {
        catalog.MapGet("/sources", (MasterClient master, CancellationToken ct) =>
            Answer(() => master.ReadAsync(m => m.ListSourcesAsync(), ct)));
        catalog.MapPost("/sources", (SourceRequest request, MasterClient master, CancellationToken ct) =>
            Answer(async () =>
            {
                await master.WriteAsync(m => m.CreateSourceAsync(request.Name ?? string.Empty, request.Path ?? string.Empty), ct);
                return new { name = request.Name, path = request.Path };
            }, StatusCodes.Status201Created));
        catalog.MapDelete("/sources/{name}", (string name, MasterClient master, CancellationToken ct) =>
            Answer(async () =>
            {
                await master.WriteAsync(m => m.DropSourceAsync(name), ct);
                return new { name };
            }));
    }

    private static void MapViews(RouteGroupBuilder catalog)
    {
        // Everything a query can name, in Dremio's words: a source, or a view as a VIRTUAL_DATASET with its SQL.
        catalog.MapGet("/", (MasterClient master, CancellationToken ct) =>
            Answer(async () =>
            {
                CatalogSnapshot snapshot = await master.ReadAsync(m => m.GetCatalogAsync(), ct);
                return new
                {
                    version = snapshot.Version,
                    data = snapshot.Sources.Select(s => (object)new { entityType = "source", name = s.Name, path = s.Path })
                        .Concat(snapshot.Views.Select(v => new { entityType = "dataset", type = "VIRTUAL_DATASET", name = v.Name, sql = v.Sql, version = v.Version })),
                };
            }));
        catalog.MapGet("/views", (MasterClient master, CancellationToken ct) =>
            Answer(() => master.ReadAsync(m => m.ListViewsAsync(), ct)));
        catalog.MapPut("/views/{name}", async (string name, ViewRequest request, MasterClient master, CancellationToken ct) =>
        {
            if (string.IsNullOrWhiteSpace(request.Sql))
            {
                return HttpProblems.Problem(StatusCodes.Status400BadRequest, "The body must be JSON with a non-empty \"sql\".");
            }

            long version = 0;
            IResult result = await Answer(async () =>
            {
                version = await master.WriteAsync(m => m.PutViewAsync(name, request.Sql), ct);
                return new { name, sql = request.Sql, version };
            });
            return version == 1 ? Results.Json(((IValueHttpResult)result).Value, statusCode: StatusCodes.Status201Created) : result;
        });
        catalog.MapDelete("/views/{name}", (string name, MasterClient master, CancellationToken ct) =>
            Answer(async () =>
            {
                await master.WriteAsync(m => m.DropViewAsync(name), ct);
                return new { name };
            }));
    }

    /// <summary>
    /// Users: passwords are hashed here, on the coordinator; the master stores only the hash. Any logged-in user may
    /// manage users (there are no roles yet); the node's own calls to the user table are trusted (TokenCallFilter).
    /// </summary>
    private static void MapUsers(WebApplication app)
    {
        RouteGroupBuilder users = app.MapGroup("/api/v3/user");
        users.MapGet("/", (MasterClient master, CancellationToken ct) =>
            Answer(async () => (await master.ReadAsync(m => m.ListUsersAsync(), ct)).Select(name => new { name })));
        users.MapPost("/", async (UserRequest request, MasterClient master, CancellationToken ct) =>
        {
            if (string.IsNullOrEmpty(request.Name) || string.IsNullOrEmpty(request.Password))
            {
                return HttpProblems.Problem(StatusCodes.Status400BadRequest, "The body must be JSON with a non-empty \"name\" and \"password\".");
            }

            if (request.Name == TokenService.NodePrincipal)
            {
                return HttpProblems.Problem(StatusCodes.Status400BadRequest, $"'{TokenService.NodePrincipal}' is reserved for the cluster's nodes.");
            }

            return await Answer(
                async () => await master.WriteAsync(m => m.PutUserAsync(request.Name, Authenticator.Hash(request.Name, request.Password), replace: false), ct)
                    ? new { name = request.Name }
                    : throw new CatalogException(CatalogError.Conflict, $"User '{request.Name}' already exists."),
                StatusCodes.Status201Created);
        });
        users.MapPut("/{name}", async (string name, UserRequest request, MasterClient master, CancellationToken ct) =>
        {
            if (string.IsNullOrEmpty(request.Password))
            {
                return HttpProblems.Problem(StatusCodes.Status400BadRequest, "The body must be JSON with a non-empty \"password\".");
            }

            return await Answer(async () =>
            {
                await master.WriteAsync(m => m.PutUserAsync(name, Authenticator.Hash(name, request.Password), replace: true), ct);
                return new { name };
            });
        });
        users.MapDelete("/{name}", (string name, MasterClient master, CancellationToken ct) =>
            Answer(async () =>
            {
                    await master.WriteAsync(m => m.DropUserAsync(name), ct);
                return new { name };
            }));
    }

    /// <summary>Maps the master's typed errors to HTTP statuses with a message that says what was wrong.</summary>
    private static async Task<IResult> Answer<T>(Func<Task<T>> call, int successStatus = StatusCodes.Status200OK)
    {
        try
        {
            T value = await call();
            return Results.Json(value, statusCode: successStatus);
        }
        catch (NoActiveMasterException ex)
        {
            return HttpProblems.NoMaster(ex.Message);
        }
        catch (CatalogException ex)
        {
            return HttpProblems.Problem(
                ex.Error switch
                {
                    CatalogError.NotFound => StatusCodes.Status404NotFound,
                    CatalogError.Conflict => StatusCodes.Status409Conflict,
                    _ => StatusCodes.Status400BadRequest,
                },
                ex.Message);
        }
    }


    private sealed record SpaceRequest(string? Name);

    private sealed record EntryRequest(string? Value, long? ExpectedVersion);

    private sealed record SourceRequest(string? Name, string? Path);

    private sealed record ViewRequest(string? Sql);

    private sealed record UserRequest(string? Name, string? Password);
}
