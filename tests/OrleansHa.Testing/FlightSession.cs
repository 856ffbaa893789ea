using System.Net.Http.Headers;
using System.Text;
using Apache.Arrow;
using Apache.Arrow.Flight;
using Apache.Arrow.Flight.Client;
using Grpc.Core;
using Grpc.Net.Client;

namespace OrleansHa.Testing;

/// <summary>
/// Apache's Flight client on a real gRPC channel to one node's Flight port, logged in as Dremio's clients log in:
/// Basic credentials on the handshake, then the Bearer token the server answered with on every call.
/// </summary>
public sealed class FlightSession : IDisposable
{
    private readonly GrpcChannel _channel;

    private FlightSession(string address, string? token)
    {
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxReceiveMessageSize = 64 * 1024 * 1024 });
        Client = new FlightClient(_channel);
        Token = token;
        Headers = token is null ? [] : new Metadata { { "authorization", "Bearer " + token } };
    }

    public FlightClient Client { get; }

    /// <summary>The token the handshake gave back; null on a session without a login.</summary>
    public string? Token { get; }

    /// <summary>The headers every call of this session sends: the Bearer token, if any.</summary>
    public Metadata Headers { get; }

    /// <summary>A session without a login: for the login itself, and for tests of what is refused.</summary>
    public static FlightSession Open(string address) => new(address, null);

    /// <summary>The gRPC address of a Flight location (<c>grpc+tcp://host:port</c>).</summary>
    public static string AddressOf(FlightLocation location)
    {
        ArgumentNullException.ThrowIfNull(location);
        return location.Uri.Replace("grpc+tcp://", "http://", StringComparison.Ordinal);
    }

    /// <summary>The <c>authorization</c> header of Basic credentials.</summary>
    public static Metadata Basic(string user, string password) =>
        new() { { "authorization", new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"))).ToString() } };

    /// <summary>Logs in with a handshake carrying Basic credentials; throws the server's <see cref="RpcException"/> when refused.</summary>
    public static async Task<FlightSession> LoginAsync(string address, string user = TestCredentials.User, string password = TestCredentials.Password)
    {
        using FlightSession anonymous = Open(address);
        using AsyncDuplexStreamingCall<FlightHandshakeRequest, FlightHandshakeResponse> handshake = anonymous.Client.Handshake(Basic(user, password));
        await handshake.RequestStream.CompleteAsync();
        while (await handshake.ResponseStream.MoveNext(CancellationToken.None))
        {
        }

        string bearer = (await handshake.ResponseHeadersAsync).GetValue("authorization")
            ?? throw new InvalidOperationException("The handshake answered without an authorization header.");
        return new FlightSession(address, bearer["Bearer ".Length..]);
    }

    public async Task<FlightInfo> InfoAsync(FlightDescriptor descriptor) => await Client.GetInfo(descriptor, Headers).ResponseAsync;

    /// <summary>The SQL run Dremio's legacy way: a command descriptor of the SQL text.</summary>
    public Task<FlightInfo> InfoAsync(string sql) => InfoAsync(FlightDescriptor.CreateCommandDescriptor(sql));

    /// <summary>Every batch of the ticket's stream, each passed to <paramref name="onBatch"/> (and disposed after it) unless kept.</summary>
    public async Task<long> ReadAsync(FlightTicket ticket, Action<RecordBatch>? onBatch = null, CancellationToken cancellationToken = default)
    {
        long rows = 0;
        using FlightRecordBatchStreamingCall call = Client.GetStream(ticket, Headers, null, cancellationToken);
        while (await call.ResponseStream.MoveNext(cancellationToken))
        {
            using RecordBatch batch = call.ResponseStream.Current;
            rows += batch.Length;
            onBatch?.Invoke(batch);
        }

        return rows;
    }

    /// <summary>The first value of the ticket's first column, a BIGINT.</summary>
    public async Task<long> ScalarAsync(FlightTicket ticket)
    {
        long? value = null;
        await ReadAsync(ticket, batch => value ??= ((Int64Array)batch.Column(0)).GetValue(0));
        return value ?? throw new InvalidOperationException("The stream had no row.");
    }

    public void Dispose() => _channel.Dispose();
}
