using Apache.Arrow;
using Apache.Arrow.Flight;
using Apache.Arrow.Ipc;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using OrleansHa.Node.Flight;
using OrleansHa.Node.Flight.Sql;

namespace OrleansHa.Node.Tests.Flight;

/// <summary>
/// Arrow Flight and Flight SQL on real node processes, through Apache's Flight client on real gRPC channels: logins,
/// Dremio's legacy SQL commands, Flight SQL statements, prepared statements and catalog commands, the errors.
/// </summary>
public sealed class FlightTests(FlightClusterFixture fixture) : IClassFixture<FlightClusterFixture>
{
    private NodeProcess Master => fixture.Master;

    private NodeProcess Coordinator => fixture.Coordinator;

    [Fact]
    public async Task A_basic_login_on_the_handshake_or_the_first_call_gives_a_bearer_token_that_rest_takes_too()
    {
        using FlightSession session = await FlightSession.LoginAsync(Master.FlightUrl);
        Assert.StartsWith("v2.", session.Token, StringComparison.Ordinal);
        Assert.NotNull(await session.InfoAsync("SELECT 1"));

        // The same token on another coordinator, and on REST.
        using var rest = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Coordinator.WebUrl + "/api/v3/catalog/spaces"));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", session.Token);
        using HttpResponseMessage answer = await rest.SendAsync(request);
        Assert.True(answer.IsSuccessStatusCode, $"REST refused the Flight token: {(int)answer.StatusCode}");

        // Basic on the first call, without a handshake: the answer carries the token.
        using FlightSession anonymous = FlightSession.Open(Coordinator.FlightUrl);
        using AsyncUnaryCall<FlightInfo> call = anonymous.Client.GetInfo(FlightDescriptor.CreateCommandDescriptor("SELECT 1"), FlightSession.Basic(TestCredentials.User, TestCredentials.Password));
        await call.ResponseAsync;
        Assert.StartsWith("Bearer v2.", (await call.ResponseHeadersAsync).GetValue("authorization"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_credentials_a_missing_token_and_a_forged_one_are_unauthenticated_with_a_message()
    {
        RpcException wrong = await Assert.ThrowsAsync<RpcException>(() => FlightSession.LoginAsync(Master.FlightUrl, TestCredentials.User, "not-the-password"));
        Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);
        Assert.Contains("Wrong user name or password", wrong.Status.Detail, StringComparison.Ordinal);

        using FlightSession anonymous = FlightSession.Open(Master.FlightUrl);
        RpcException none = await Assert.ThrowsAsync<RpcException>(() => anonymous.InfoAsync("SELECT 1"));
        Assert.Equal(StatusCode.Unauthenticated, none.StatusCode);
        Assert.Contains("Basic", none.Status.Detail, StringComparison.Ordinal);
        RpcException noStream = await Assert.ThrowsAsync<RpcException>(() => anonymous.ReadAsync(new FlightTicket("anything")));
        Assert.Equal(StatusCode.Unauthenticated, noStream.StatusCode);

        RpcException forged = await Assert.ThrowsAsync<RpcException>(() =>
            anonymous.Client.GetInfo(FlightDescriptor.CreateCommandDescriptor("SELECT 1"), new Metadata { { "authorization", "Bearer v2.1.eA.YQ.1.9999999999.c2ln" } }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, forged.StatusCode);
        Assert.Contains("not issued by this cluster", forged.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_legacy_sql_command_gives_the_schema_and_one_endpoint_of_every_coordinator_each_of_which_serves_the_ticket()
    {
        using FlightSession session = await FlightSession.LoginAsync(Coordinator.FlightUrl);
        FlightInfo info = await session.InfoAsync("SELECT id, name FROM adults ORDER BY id");
        Assert.Equal(["id", "name"], info.Schema.FieldsList.Select(f => f.Name));
        FlightEndpoint endpoint = Assert.Single(info.Endpoints);
        Assert.Equal(
            new[] { Coordinator.FlightUrl, Master.FlightUrl }.Select(Location),
            endpoint.Locations.Select(l => l.Uri));

        foreach (FlightLocation location in endpoint.Locations)
        {
            using FlightSession there = await FlightSession.LoginAsync(FlightSession.AddressOf(location));
            var ids = new List<long>();
            long rows = await there.ReadAsync(endpoint.Ticket, batch => ids.AddRange(((Int64Array)batch.Column(0)).Values.ToArray()));
            int adults = Enumerable.Range(1, FlightClusterFixture.People).Count(i => i % 90 >= 18);
            Assert.Equal(adults, rows);
            Assert.Equal(ids.Order(), ids);
        }
    }

    [Fact]
    public async Task Bad_sql_is_invalid_argument_with_duckdbs_message_an_unknown_ticket_not_found_an_unsupported_command_unimplemented()
    {
        using FlightSession session = await FlightSession.LoginAsync(Master.FlightUrl);
        RpcException bad = await Assert.ThrowsAsync<RpcException>(() => session.InfoAsync("SELEC 1"));
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
        Assert.Contains("syntax", bad.Status.Detail, StringComparison.OrdinalIgnoreCase);

        RpcException missing = await Assert.ThrowsAsync<RpcException>(() => session.InfoAsync("SELECT * FROM no_such_table"));
        Assert.Equal(StatusCode.InvalidArgument, missing.StatusCode);
        Assert.Contains("no_such_table", missing.Status.Detail, StringComparison.Ordinal);

        RpcException unknown = await Assert.ThrowsAsync<RpcException>(() => session.ReadAsync(new FlightTicket("no ticket of ours")));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);

        var primaryKeys = new Any { TypeUrl = "type.googleapis.com/arrow.flight.protocol.sql.CommandGetPrimaryKeys", Value = ByteString.Empty };
        RpcException unsupported = await Assert.ThrowsAsync<RpcException>(() => session.InfoAsync(FlightDescriptor.CreateCommandDescriptor(primaryKeys.ToByteArray())));
        Assert.Equal(StatusCode.Unimplemented, unsupported.StatusCode);
        Assert.Contains("CommandGetPrimaryKeys", unsupported.Status.Detail, StringComparison.Ordinal);

        RpcException path = await Assert.ThrowsAsync<RpcException>(() => session.InfoAsync(FlightDescriptor.CreatePathDescriptor("people")));
        Assert.Equal(StatusCode.InvalidArgument, path.StatusCode);
    }

    [Fact]
    public async Task A_flight_sql_statement_and_a_prepared_statement_run_on_any_coordinator()
    {
        using FlightSession session = await FlightSession.LoginAsync(Master.FlightUrl);
        FlightInfo statement = await session.InfoAsync(Command(new CommandStatementQuery { Query = "SELECT count(*) AS n FROM people" }));
        Assert.Equal("n", Assert.Single(statement.Schema.FieldsList).Name);
        Assert.True(Any.Parser.ParseFrom(statement.Endpoints[0].Ticket.Ticket).Is(TicketStatementQuery.Descriptor));
        Assert.Equal(FlightClusterFixture.People, await session.ScalarAsync(statement.Endpoints[0].Ticket));

        // Prepared on one coordinator, run and closed on the other: the handle is held by none.
        var create = new ActionCreatePreparedStatementRequest { Query = "SELECT max(id) AS top FROM adults" };
        FlightResult created = await SingleResultAsync(session, new FlightAction("CreatePreparedStatement", Any.Pack(create).ToByteString()));
        ActionCreatePreparedStatementResult prepared = Any.Parser.ParseFrom(created.Body).Unpack<ActionCreatePreparedStatementResult>();
        Assert.Equal("top", Assert.Single(ReadSchema(prepared.DatasetSchema).FieldsList).Name);

        using FlightSession other = await FlightSession.LoginAsync(Coordinator.FlightUrl);
        FlightInfo run = await other.InfoAsync(Command(new CommandPreparedStatementQuery { PreparedStatementHandle = prepared.PreparedStatementHandle }));
        long top = Enumerable.Range(1, FlightClusterFixture.People).Where(i => i % 90 >= 18).Max();
        Assert.Equal(top, await other.ScalarAsync(run.Endpoints[0].Ticket));
        var close = new ActionClosePreparedStatementRequest { PreparedStatementHandle = prepared.PreparedStatementHandle };
        Assert.Empty(await ResultsAsync(other, new FlightAction("ClosePreparedStatement", Any.Pack(close).ToByteString())));

        RpcException badHandle = await Assert.ThrowsAsync<RpcException>(() =>
            other.InfoAsync(Command(new CommandPreparedStatementQuery { PreparedStatementHandle = ByteString.CopyFromUtf8("forged") })));
        Assert.Equal(StatusCode.NotFound, badHandle.StatusCode);
    }

    [Fact]
    public async Task The_catalog_commands_answer_what_drivers_ask_on_connect()
    {
        using FlightSession session = await FlightSession.LoginAsync(Coordinator.FlightUrl);
        Assert.Empty(await ColumnAsync(session, new CommandGetCatalogs(), 0));
        Assert.Contains("shared", await ColumnAsync(session, new CommandGetDbSchemas(), 1));
        Assert.Equal(["TABLE", "VIEW"], await ColumnAsync(session, new CommandGetTableTypes(), 0));

        Assert.Equal(["adults", "people"], await ColumnAsync(session, new CommandGetTables(), 2));
        Assert.Equal(["VIEW", "TABLE"], await ColumnAsync(session, new CommandGetTables(), 3));
        Assert.Equal(["adults"], await ColumnAsync(session, new CommandGetTables { TableTypes = { "VIEW" } }, 2));
        Assert.Equal(["people"], await ColumnAsync(session, new CommandGetTables { TableNameFilterPattern = "peo%" }, 2));

        FlightInfo withSchemas = await session.InfoAsync(Command(new CommandGetTables { IncludeSchema = true, TableNameFilterPattern = "people" }));
        Assert.Equal("table_schema", withSchemas.Schema.FieldsList[4].Name);
        byte[]? schemaBytes = null;
        await session.ReadAsync(withSchemas.Endpoints[0].Ticket, batch => schemaBytes = ((BinaryArray)batch.Column(4)).GetBytes(0).ToArray());
        Assert.Equal(["id", "name", "age"], ReadSchema(ByteString.CopyFrom(schemaBytes!)).FieldsList.Select(f => f.Name));

        FlightInfo sqlInfo = await session.InfoAsync(Command(new CommandGetSqlInfo { Info = { 0, 504 } }));
        var names = new List<string?>();
        await session.ReadAsync(sqlInfo.Endpoints[0].Ticket, batch =>
        {
            var values = (DenseUnionArray)batch.Column(1);
            var strings = (StringArray)values.Fields[0];
            for (int i = 0; i < batch.Length; i++)
            {
                Assert.Equal(0, values.TypeIds[i]);
                names.Add(strings.GetString(values.ValueOffsets[i]));
            }
        });
        Assert.Equal(["OrleansHa", "\""], names);
    }

    [Fact]
    public async Task A_million_rows_stream_as_record_batches()
    {
        using FlightSession session = await FlightSession.LoginAsync(Master.FlightUrl);
        FlightInfo info = await session.InfoAsync("SELECT i, i * 2 AS twice FROM range(1000000) t(i)");
        long sum = 0;
        int batches = 0;
        long rows = await session.ReadAsync(info.Endpoints[0].Ticket, batch =>
        {
            batches++;
            foreach (long value in ((Int64Array)batch.Column(1)).Values)
            {
                sum += value;
            }
        });
        Assert.Equal(1_000_000, rows);
        Assert.Equal(999_999L * 1_000_000, sum);
        Assert.True(batches > 1, "the result came in one batch");
    }

    [Fact]
    public void The_flight_sql_messages_carry_the_specifications_field_numbers()
    {
        // From format/FlightSql.proto of Apache Arrow.
        (Google.Protobuf.Reflection.MessageDescriptor Message, string Field, int Number)[] spec =
        [
            (CommandGetSqlInfo.Descriptor, "info", 1),
            (CommandGetDbSchemas.Descriptor, "catalog", 1), (CommandGetDbSchemas.Descriptor, "db_schema_filter_pattern", 2),
            (CommandGetTables.Descriptor, "catalog", 1), (CommandGetTables.Descriptor, "db_schema_filter_pattern", 2),
            (CommandGetTables.Descriptor, "table_name_filter_pattern", 3), (CommandGetTables.Descriptor, "table_types", 4),
            (CommandGetTables.Descriptor, "include_schema", 5),
            (ActionCreatePreparedStatementRequest.Descriptor, "query", 1), (ActionCreatePreparedStatementRequest.Descriptor, "transaction_id", 2),
            (ActionCreatePreparedStatementResult.Descriptor, "prepared_statement_handle", 1),
            (ActionCreatePreparedStatementResult.Descriptor, "dataset_schema", 2), (ActionCreatePreparedStatementResult.Descriptor, "parameter_schema", 3),
            (ActionClosePreparedStatementRequest.Descriptor, "prepared_statement_handle", 1),
            (CommandStatementQuery.Descriptor, "query", 1), (CommandStatementQuery.Descriptor, "transaction_id", 2),
            (TicketStatementQuery.Descriptor, "statement_handle", 1),
            (CommandPreparedStatementQuery.Descriptor, "prepared_statement_handle", 1),
        ];
        foreach ((var message, string field, int number) in spec)
        {
            Assert.Equal("arrow.flight.protocol.sql." + message.Name, message.FullName);
            Assert.Equal(number, message.FindFieldByName(field)?.FieldNumber);
        }
    }

    private static string Location(string url) => url.Replace("http://", "grpc+tcp://", StringComparison.Ordinal);

    private static FlightDescriptor Command(IMessage command) => FlightDescriptor.CreateCommandDescriptor(Any.Pack(command).ToByteArray());

    private static Schema ReadSchema(ByteString bytes)
    {
        using var reader = new ArrowStreamReader(bytes.ToByteArray());
        return reader.Schema;
    }

    private static async Task<List<string?>> ColumnAsync(FlightSession session, IMessage command, int column)
    {
        FlightInfo info = await session.InfoAsync(Command(command));
        var values = new List<string?>();
        await session.ReadAsync(info.Endpoints[0].Ticket, batch =>
        {
            var strings = (StringArray)batch.Column(column);
            values.AddRange(Enumerable.Range(0, batch.Length).Select(i => strings.GetString(i)));
        });
        return values;
    }

    private static async Task<List<FlightResult>> ResultsAsync(FlightSession session, FlightAction action)
    {
        using AsyncServerStreamingCall<FlightResult> call = session.Client.DoAction(action, session.Headers);
        var results = new List<FlightResult>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            results.Add(call.ResponseStream.Current);
        }

        return results;
    }

    private static async Task<FlightResult> SingleResultAsync(FlightSession session, FlightAction action) =>
        Assert.Single(await ResultsAsync(session, action));
}
