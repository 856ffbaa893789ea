using System.Net;
using OrleansHa.ZooKeeper.Internal;
using OrleansHa.ZooKeeper.Protocol;

namespace OrleansHa.ZooKeeper;

/// <summary>The session loop: connect, run the connection until it breaks, reconnect or declare the session lost.</summary>
public sealed partial class ZooKeeperClient
{
    // SetWatches packets are split to stay well under the server's frame limit (the Java client's SET_WATCHES_MAX_LENGTH).
    private const int SetWatchesBatchChars = 128 * 1024;

    // No single attempt is given less than this, even close to the session deadline: a handshake needs a round trip.
    private static readonly TimeSpan MinimumAttempt = TimeSpan.FromMilliseconds(100);

    private async Task RunAsync()
    {
        int next = 0;
        int failedInPass = 0;
        int failedPasses = 0;
        while (!_stopping.IsCancellationRequested)
        {
            if (ExpireIfSilentTooLong())
            {
                continue;
            }

            DnsEndPoint host = _hosts[next];
            next = (next + 1) % _hosts.Length;
            ZooKeeperSession? session = Session;
            try
            {
                var request = new ConnectRequest(
                    0,
                    Interlocked.Read(ref _lastZxid),
                    (int)_options.SessionTimeout.TotalMilliseconds,
                    session?.Id ?? 0,
                    session?.Password ?? new byte[ConnectRequest.PasswordLength],
                    false);
                (ZooKeeperConnection? connection, ConnectResponse response) = await ZooKeeperConnection.OpenAsync(
                    host, request, this, _logger, _time, _options.MaxFrameSize, AttemptTimeout(session), _stopping.Token);
                if (connection is null)
                {
                    if (session is null)
                    {
                        throw new ZooKeeperProtocolException($"{host.Host}:{host.Port} answered a request for a new session as if it had expired (timeout 0)");
                    }

                    failedInPass = failedPasses = 0;
                    DeclareLost(session, $"{host.Host}:{host.Port} reports that the session has expired");
                    continue;
                }

                bool healthy = await RunConnectionAsync(connection, response, session);
                if (_closeRequested && _closeSessionRequest?.IsCompleted != false)
                {
                    // Closing, and closeSession was answered or was in flight: nothing left to send.
                    break;
                }

                if (healthy)
                {
                    failedInPass = failedPasses = 0;
                }
                else
                {
                    // Dropped before answering anything: count it as a failed attempt, so a server that accepts and
                    // drops every connection is retried with back-off, not in a tight loop.
                    _lastConnectError = new IOException($"{host.Host}:{host.Port} dropped the connection right after the handshake");
                    await CountFailedAttemptAsync();
                }
            }
            catch (Exception ex) when (!_stopping.IsCancellationRequested)
            {
                _lastConnectError = ex;
                Log.AttemptFailed(_logger, host.Host, host.Port, ex.Message);
                await CountFailedAttemptAsync();
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                break;
            }
        }

        async Task CountFailedAttemptAsync()
        {
            if (++failedInPass >= _hosts.Length)
            {
                failedInPass = 0;
                await DelayAsync(_options.ReconnectPolicy.GetDelay(++failedPasses), Session);
            }
        }
    }

    /// <summary>Runs a connection until it breaks; true if the server answered anything on it after the handshake.</summary>
    private async Task<bool> RunConnectionAsync(ZooKeeperConnection connection, ConnectResponse response, ZooKeeperSession? resumed)
    {
        ZooKeeperSession? session = null;
        var first = new List<PendingRequest>();
        lock (_lock)
        {
            // While a close is pending but not yet final this still runs: the queued closeSession goes out on it.
            if (!_stopping.IsCancellationRequested)
            {
                session = resumed ?? new ZooKeeperSession(response.SessionId, response.Password, TimeSpan.FromMilliseconds(response.TimeoutMs));
                _session = session;
                _connection = connection;

                // Credentials belong to the connection, not the session: present them again, then the watches, before any request.
                first.AddRange(_credentials.Select(NewAuthRequest));
            }
        }

        if (session is null)
        {
            // Aborted outside the lock: breaking a connection calls back into the client, which takes it.
            connection.Abort(new ObjectDisposedException(nameof(ZooKeeperClient), "the client was closed"));
            return false;
        }

        first.AddRange(NewSetWatchesRequests());
        Log.Connected(_logger, session.Id, connection.Server.Host, connection.Server.Port, response.TimeoutMs, resumed is null ? "new session" : "resumed");
        _lastReceived = _time.GetTimestamp();
        try
        {
            await connection.StartAsync(first, _queue.Reader);
            SetState(ZooKeeperState.Connected, session.Id, connection);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or OperationCanceledException or ObjectDisposedException)
        {
            connection.Abort(ex);
        }

        Exception reason = await connection.Closed;
        await connection.DisposeAsync();
        if (!_closeRequested)
        {
            Log.Disconnected(_logger, session.Id, connection.Server.Host, connection.Server.Port, reason.Message);
        }

        return connection.HasReceivedReply;
    }

    /// <summary>
    /// Declares the session lost once nothing has been heard for the whole session timeout. The ensemble expires a
    /// session a timeout after the last packet it received, which is no earlier than the last reply we received, so
    /// by now it may have: anything that relied on the session must stop.
    /// </summary>
    private bool ExpireIfSilentTooLong()
    {
        ZooKeeperSession? session = Session;
        if (session is null || State == ZooKeeperState.Connected)
        {
            return false;
        }

        TimeSpan silent = _time.GetElapsedTime(_lastReceived);
        if (silent < session.Timeout)
        {
            return false;
        }

        DeclareLost(session, $"no server reached for {silent.TotalMilliseconds:0} ms, longer than the session timeout of {session.Timeout.TotalMilliseconds:0} ms; the ensemble may have expired it");
        return true;
    }

    private void DeclareLost(ZooKeeperSession? session, string reason)
    {
        if (session is null)
        {
            return;
        }

        lock (_lock)
        {
            if (_session != session)
            {
                return;
            }
        }

        Log.SessionLost(_logger, session.Id, reason);
        EndSession(ZooKeeperState.Lost, KeeperState.Expired, $"session 0x{session.Id:x} lost: {reason}");
        if (!_options.RenewSessionAfterLoss)
        {
            _ = CloseAsync();
        }
    }

    /// <summary>
    /// One attempt on one host gets the session timeout divided by the number of hosts (as the Java client), and never
    /// runs past the point where the session must be declared lost.
    /// </summary>
    private TimeSpan AttemptTimeout(ZooKeeperSession? session)
    {
        TimeSpan timeout = (session?.Timeout ?? _options.SessionTimeout) / _hosts.Length;
        if (session is not null)
        {
            timeout = Min(timeout, session.Timeout - _time.GetElapsedTime(_lastReceived));
        }

        return timeout < MinimumAttempt ? MinimumAttempt : timeout;
    }

    private async Task DelayAsync(TimeSpan delay, ZooKeeperSession? session)
    {
        if (session is not null)
        {
            delay = Min(delay, session.Timeout - _time.GetElapsedTime(_lastReceived));
        }

        if (delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(delay, _time, _stopping.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private PendingRequest NewAuthRequest(AuthPacket credentials)
    {
        var request = new PendingRequest<bool>(
            OpCode.Auth, null, RequestEncoder.Encode(OpCode.Auth, credentials, _options.MaxFrameSize, null, Xids.Auth), NoBody);
        request.Task.ContinueWith(
            task =>
            {
                if (task.Exception?.InnerException is AuthFailedException)
                {
                    // The server closes the connection after a refusal; presenting the same credentials again would loop.
                    lock (_lock)
                    {
                        _credentials.Remove(credentials);
                    }

                    Log.AuthRejected(_logger, credentials.Scheme);
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return request;
    }

    private List<PendingRequest> NewSetWatchesRequests()
    {
        (List<string> data, List<string> exist, List<string> child) = _watches.Snapshot();
        long relativeZxid = Interlocked.Read(ref _lastZxid);
        var requests = new List<PendingRequest>();
        var batch = new SetWatches(relativeZxid, [], [], []);
        int chars = 0;
        foreach ((WatchKind kind, List<string> paths) in new[] { (WatchKind.Data, data), (WatchKind.Exist, exist), (WatchKind.Child, child) })
        {
            foreach (string path in paths)
            {
                string serverPath = _connectionString.ToServerPath(path);
                if (chars > 0 && chars + serverPath.Length > SetWatchesBatchChars)
                {
                    requests.Add(NewSetWatchesRequest(batch));
                    batch = new SetWatches(relativeZxid, [], [], []);
                    chars = 0;
                }

                SelectList(batch, kind).Add(serverPath);
                chars += serverPath.Length;
            }
        }

        if (chars > 0)
        {
            requests.Add(NewSetWatchesRequest(batch));
        }

        return requests;
    }

    private static List<string> SelectList(SetWatches batch, WatchKind kind) => kind switch
    {
        WatchKind.Data => batch.DataWatches,
        WatchKind.Exist => batch.ExistWatches,
        _ => batch.ChildWatches,
    };

    private PendingRequest<bool> NewSetWatchesRequest(SetWatches batch)
    {
        var request = new PendingRequest<bool>(OpCode.SetWatches, null, RequestEncoder.Encode(OpCode.SetWatches, batch, _options.MaxFrameSize, null), NoBody);

        // Nobody awaits this; a failure means the connection broke and the next one sends the watches again.
        request.Task.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
        return request;
    }
}
