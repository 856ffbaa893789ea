using Apache.Arrow;
using Apache.Arrow.Flight;
using Apache.Arrow.Flight.Server;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using OrleansHa.Node.Flight.Sql;

namespace OrleansHa.Node.Flight;

/// <summary>
/// The Flight service of a coordinator. <c>GetFlightInfo</c> on SQL (legacy text, Flight SQL statements and prepared
/// statements) runs it far enough for its schema and hands back one endpoint listing every live coordinator
/// (<see cref="FlightLocations"/>) with a ticket that carries the SQL; <c>DoGet</c> on that ticket, on any of them,
/// runs the SQL and streams the executor's record batches as they come.
/// </summary>
/// <remarks>
/// Why the ticket carries the SQL rather than a stored result: a Flight client whose stream broke reads the ticket again
/// from the start (Flight has no resume), and a fresh run gives it the result at the speed of the query, where a
/// stored one would first have to be written whole to <c>paths.dist</c> before the first batch could leave; and no
/// coordinator, nor the master, has to be up for a ticket to stay good, so one taken during a master failover is
/// served. The price: the SQL runs again for each DoGet (twice counting GetFlightInfo's look at its schema).
/// </remarks>
internal sealed class CoordinatorFlightServer(FlightQueries queries, FlightLocations locations, FlightSqlCatalog catalog) : FlightServer
{
    private const string CreatePreparedStatement = "CreatePreparedStatement";
    private const string ClosePreparedStatement = "ClosePreparedStatement";

    /// <summary>The login was on the call's headers (<see cref="FlightAuthentication"/>); the handshake's payload carries nothing read here.</summary>
    public override Task Handshake(IAsyncStreamReader<FlightHandshakeRequest> requestStream, IAsyncStreamWriter<FlightHandshakeResponse> responseStream, ServerCallContext context) =>
        responseStream.WriteAsync(new FlightHandshakeResponse(ByteString.Empty));

    public override Task<FlightInfo> GetFlightInfo(FlightDescriptor request, ServerCallContext context) =>
        FlightErrors.GuardAsync(async () =>
        {
            FlightRequest what = FlightRequest.OfDescriptor(request);
            Schema schema = await SchemaOfAsync(what, context.CancellationToken);
            return new FlightInfo(schema, request, [new FlightEndpoint(new FlightTicket(what.Ticket), locations.Live())], totalRecords: -1, totalBytes: -1);
        });

    public override Task<Schema> GetSchema(FlightDescriptor request, ServerCallContext context) =>
        FlightErrors.GuardAsync(() => SchemaOfAsync(FlightRequest.OfDescriptor(request), context.CancellationToken));

    public override Task DoGet(FlightTicket ticket, FlightServerRecordBatchStreamWriter responseStream, ServerCallContext context) =>
        FlightErrors.GuardAsync(async () =>
        {
            FlightRequest what = FlightRequest.OfTicket(ticket);
            if (what.Sql is { } sql)
            {
                await foreach (RecordBatch batch in queries.RunAsync(sql, context.CancellationToken))
                {
                    using (batch)
                    {
                        await responseStream.WriteAsync(batch);
                    }
                }

                return;
            }

            using RecordBatch result = await catalog.ReadAsync(what.CatalogCommand!, context.CancellationToken);
            await responseStream.WriteAsync(result);
        });

    public override Task DoAction(FlightAction request, IAsyncStreamWriter<FlightResult> responseStream, ServerCallContext context) =>
        FlightErrors.GuardAsync(async () =>
        {
            switch (request.Type)
            {
                case CreatePreparedStatement:
                    ActionCreatePreparedStatementRequest create = ActionBody<ActionCreatePreparedStatementRequest>(request);
                    FlightRequest.RefuseTransaction(create.HasTransactionId);
                    string sql = FlightRequest.NonEmpty(create.Query, "ActionCreatePreparedStatementRequest.query");
                    Schema schema = await queries.SchemaOfAsync(sql, context.CancellationToken);
                    var result = new ActionCreatePreparedStatementResult
                    {
                        PreparedStatementHandle = FlightRequest.Handle(sql),
                        DatasetSchema = ByteString.CopyFrom(FlightQueries.SchemaBytes(schema)),
                    };
                    await responseStream.WriteAsync(new FlightResult(Any.Pack(result).ToByteString()));
                    break;
                case ClosePreparedStatement:
                    // Nothing is held for a prepared statement; the handle is only checked.
                    FlightRequest.ReadHandle(ActionBody<ActionClosePreparedStatementRequest>(request).PreparedStatementHandle, "prepared statement handle");
                    break;
                default:
                    throw FlightErrors.Status(StatusCode.Unimplemented, $"Action '{request.Type}' is not supported; ListActions names those that are.");
            }
        });

    public override async Task ListActions(IAsyncStreamWriter<FlightActionType> responseStream, ServerCallContext context)
    {
        await responseStream.WriteAsync(new FlightActionType(CreatePreparedStatement, "Flight SQL: prepares a statement; its handle is good on every coordinator."));
        await responseStream.WriteAsync(new FlightActionType(ClosePreparedStatement, "Flight SQL: closes a prepared statement (nothing is held for it)."));
    }

    public override Task ListFlights(FlightCriteria request, IAsyncStreamWriter<FlightInfo> responseStream, ServerCallContext context) =>
        throw FlightErrors.Status(StatusCode.Unimplemented, "ListFlights is not supported: ask GetFlightInfo with the SQL to run.");

    public override Task DoPut(FlightServerRecordBatchStreamReader requestStream, IAsyncStreamWriter<FlightPutResult> responseStream, ServerCallContext context) =>
        throw FlightErrors.Status(StatusCode.Unimplemented, "DoPut is not supported: updates, ingestion and bound parameters are not served.");

    public override Task DoExchange(FlightServerRecordBatchStreamReader requestStream, FlightServerRecordBatchStreamWriter responseStream, ServerCallContext context) =>
        throw FlightErrors.Status(StatusCode.Unimplemented, "DoExchange is not supported.");

    private async Task<Schema> SchemaOfAsync(FlightRequest what, CancellationToken cancellationToken) =>
        what.Sql is { } sql ? await queries.SchemaOfAsync(sql, cancellationToken) : FlightSqlCatalog.SchemaOf(what.CatalogCommand!);

    /// <summary>A Flight SQL action's body: the request packed in a <c>google.protobuf.Any</c>.</summary>
    private static T ActionBody<T>(FlightAction action)
        where T : IMessage<T>, new()
    {
        var expected = new T();
        if (FlightRequest.FlightSqlMessage(action.Body) is { } body && body.Is(expected.Descriptor))
        {
            return body.Unpack<T>();
        }

        throw FlightErrors.Status(StatusCode.InvalidArgument, $"The body of action '{action.Type}' must be a {expected.Descriptor.Name} packed in a google.protobuf.Any.");
    }
}
