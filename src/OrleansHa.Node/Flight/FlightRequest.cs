using System.Text;
using Apache.Arrow.Flight;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using OrleansHa.Node.Flight.Sql;

namespace OrleansHa.Node.Flight;

/// <summary>
/// What a Flight descriptor or ticket asks for: SQL to run (Dremio's legacy command of SQL text, Flight SQL's statement
/// and prepared statement), or one of Flight SQL's catalog commands. Tickets and prepared statement handles carry the
/// SQL itself (<see cref="StatementHandle"/>), so any coordinator serves them, for as long as the client keeps them:
/// no coordinator holds state for a ticket that could be lost with it.
/// </summary>
internal sealed class FlightRequest
{
    private const string FlightSqlTypes = "type.googleapis.com/arrow.flight.protocol.sql.";

    private FlightRequest(string? sql, IMessage? catalogCommand)
    {
        Sql = sql;
        CatalogCommand = catalogCommand;
    }

    /// <summary>The SQL to run, or null for a catalog command.</summary>
    public string? Sql { get; }

    /// <summary>A Flight SQL catalog command (<c>CommandGetTables</c>, ...), or null for SQL.</summary>
    public IMessage? CatalogCommand { get; }

    /// <summary>The ticket that brings this request back, to any coordinator: Flight SQL's form, which legacy clients treat as opaque bytes.</summary>
    public ByteString Ticket => Sql is { } sql
        ? Any.Pack(new TicketStatementQuery { StatementHandle = Handle(sql) }).ToByteString()
        : Any.Pack(CatalogCommand).ToByteString();

    /// <exception cref="RpcException">InvalidArgument for a descriptor that is not a command of SQL text or of Flight SQL; Unimplemented for a Flight SQL command this cluster does not serve.</exception>
    public static FlightRequest OfDescriptor(FlightDescriptor descriptor)
    {
        if (descriptor.Type != FlightDescriptorType.Command)
        {
            throw FlightErrors.Status(StatusCode.InvalidArgument, "Path descriptors name nothing here: send a command descriptor whose bytes are the SQL text, or a Flight SQL command.");
        }

        if (FlightSqlMessage(descriptor.Command) is not { } command)
        {
            return new FlightRequest(SqlText(descriptor.Command), null);
        }

        if (command.Is(CommandStatementQuery.Descriptor))
        {
            CommandStatementQuery statement = command.Unpack<CommandStatementQuery>();
            RefuseTransaction(statement.HasTransactionId);
            return new FlightRequest(NonEmpty(statement.Query, "CommandStatementQuery.query"), null);
        }

        if (command.Is(CommandPreparedStatementQuery.Descriptor))
        {
            return new FlightRequest(ReadHandle(command.Unpack<CommandPreparedStatementQuery>().PreparedStatementHandle, "prepared statement handle"), null);
        }

        return CatalogCommandOf(command) is { } catalog
            ? new FlightRequest(null, catalog)
            : throw Unimplemented(command);
    }

    /// <exception cref="RpcException">NotFound for a ticket this cluster did not issue.</exception>
    public static FlightRequest OfTicket(FlightTicket ticket)
    {
        if (FlightSqlMessage(ticket.Ticket) is { } message)
        {
            if (message.Is(TicketStatementQuery.Descriptor))
            {
                return new FlightRequest(ReadHandle(message.Unpack<TicketStatementQuery>().StatementHandle, "ticket"), null);
            }

            if (CatalogCommandOf(message) is { } catalog)
            {
                return new FlightRequest(null, catalog);
            }
        }

        throw FlightErrors.Status(StatusCode.NotFound, "Unknown ticket: it is not one this cluster issued; get one from GetFlightInfo.");
    }

    /// <summary>A prepared statement: its handle is its SQL, held by no coordinator.</summary>
    public static ByteString Handle(string sql) => new StatementHandle { Sql = sql }.ToByteString();

    /// <exception cref="RpcException">NotFound for a handle this cluster did not issue.</exception>
    public static string ReadHandle(ByteString handle, string what)
    {
        try
        {
            string sql = StatementHandle.Parser.ParseFrom(handle).Sql;
            if (!string.IsNullOrWhiteSpace(sql))
            {
                return sql;
            }
        }
        catch (InvalidProtocolBufferException)
        {
        }

        throw FlightErrors.Status(StatusCode.NotFound, $"Unknown {what}: it is not one this cluster issued.");
    }

    /// <summary>A Flight SQL message (a <c>google.protobuf.Any</c> of the Flight SQL package), or null for other bytes.</summary>
    public static Any? FlightSqlMessage(ByteString bytes)
    {
        try
        {
            Any any = Any.Parser.ParseFrom(bytes);
            return any.TypeUrl.StartsWith(FlightSqlTypes, StringComparison.Ordinal) ? any : null;
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
    }

    public static void RefuseTransaction(bool hasTransaction)
    {
        if (hasTransaction)
        {
            throw FlightErrors.Status(StatusCode.Unimplemented, "Transactions are not supported: every query reads on its own.");
        }
    }

    public static RpcException Unimplemented(Any command) =>
        FlightErrors.Status(StatusCode.Unimplemented, $"Flight SQL command {command.TypeUrl[FlightSqlTypes.Length..]} is not supported by this cluster.");

    public static string NonEmpty(string sql, string what) =>
        string.IsNullOrWhiteSpace(sql) ? throw FlightErrors.Status(StatusCode.InvalidArgument, $"{what} holds no SQL.") : sql;

    private static IMessage? CatalogCommandOf(Any command) =>
        command.Is(CommandGetCatalogs.Descriptor) ? command.Unpack<CommandGetCatalogs>()
        : command.Is(CommandGetDbSchemas.Descriptor) ? command.Unpack<CommandGetDbSchemas>()
        : command.Is(CommandGetTables.Descriptor) ? command.Unpack<CommandGetTables>()
        : command.Is(CommandGetTableTypes.Descriptor) ? command.Unpack<CommandGetTableTypes>()
        : command.Is(CommandGetSqlInfo.Descriptor) ? command.Unpack<CommandGetSqlInfo>()
        : null;

    private static string SqlText(ByteString command)
    {
        string sql;
        try
        {
            sql = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(command.Span);
        }
        catch (DecoderFallbackException)
        {
            throw FlightErrors.Status(StatusCode.InvalidArgument, "The command descriptor is neither a Flight SQL command nor UTF-8 SQL text.");
        }

        return NonEmpty(sql, "The command descriptor");
    }
}
