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

    private FlightSession(string address, string token)
    {
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxReceiveMessageSize = 64 * 1024 * 1024 });
        Client = new FlightClient(_channel);
        Token = token;
        Headers = new Metadata { { "authorization", "Bearer " + token } };
    }

    public FlightClient Client { get; }

    /// <summary>The token the handshake gave back.</summary>
    public string Token { get; }

    /// <summary>The headers every call of this session sends: the Bearer token.</summary>
    public Metadata Headers { get; }

    /// <summary>A channel without a login, for tests of what is refused.</summary>
    public static FlightClient Anonymous(string address, out IDisposable channel)
    {
        GrpcChannel opened = GrpcChannel.ForAddress(address);
        channel = opened;
        return new FlightClient(opened);
    }

    /// <summary>The <c>authorization</c> header of Basic credentials.</summary>
    public static Metadata Basic(string user, string password) =>
        new() { { "authorization", new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"))).ToString() } };

    /// <summary>Logs in with a handshake carrying Basic credentials; throws the server's <see cref="RpcException"/> when refused.</summary>
    public static async Task<FlightSession> LoginAsync(string address, string user = TestCredentials.User, string password = TestCredentials.Password)
    {
        FlightClient client = Anonymous(address, out IDisposable channel);
        using (channel)
        {
            using AsyncDuplexStreamingCall<FlightHandshakeRequest, FlightHandshakeResponse> handshake = client.Handshake(Basic(user, password));
            await handshake.RequestStream.CompleteAsync();
            while (await handshake.ResponseStream.MoveNext(CancellationToken.None))
            {
            }

            string bearer = (await handshake.ResponseHeadersAsync).GetValue("authorization")
                ?? throw new InvalidOperationException("The handshake answered without an authorization header.");
            return new FlightSession(address, bearer["Bearer ".Length..]);
        }
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

    public void Dispose() => _channel.Dispose();
}
