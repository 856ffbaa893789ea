using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OrleansHa.Testing;

/// <summary>
/// One real ZooKeeper server: a JVM running <c>QuorumPeerMain</c> from Debian's zookeeper package, with its
/// own zoo.cfg, data directory and log file in a fresh temp directory, listening on 127.0.0.1 only.
/// Either standalone (<see cref="StartStandaloneAsync"/>) or a member of a <see cref="ZooKeeperEnsemble"/>.
/// </summary>
/// <remarks>
/// The JVM's stdout and stderr are appended to <see cref="LogPath"/>; every failure message carries its tail.
/// No JVM outlives the .NET process: see <see cref="ChildProcesses"/>. Not thread-safe beyond what a test needs:
/// do not start, kill or stop the same server from two threads at once.
/// </remarks>
public sealed class ZooKeeperServerProcess : IAsyncDisposable
{
    /// <summary>Where Debian's zookeeper package puts the server jar (override: ORLEANSHA_ZOOKEEPER_JAR).</summary>
    public const string DefaultZooKeeperJar = "/usr/share/java/zookeeper.jar";

    /// <summary>SLF4J binding that makes the server log to stderr (from libslf4j-java, a dependency of zookeeper).</summary>
    public const string Slf4jSimpleJar = "/usr/share/java/slf4j-simple.jar";

    private const string MainClass = "org.apache.zookeeper.server.quorum.QuorumPeerMain";
    private const int LogTailLines = 40;

    private static readonly TimeSpan ServingPollInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private Process? _process;
    private Process? _watchdog;
    private bool _paused;
    private bool _disposed;

    private ZooKeeperServerProcess(ZooKeeperServerSettings settings, string directory, int clientPort, int? myId)
    {
        Settings = settings;
        RootDirectory = directory;
        ClientPort = clientPort;
        MyId = myId;
    }

    /// <summary>The settings this server was configured with.</summary>
    public ZooKeeperServerSettings Settings { get; }

    /// <summary>The server's id (<c>myid</c>) in an ensemble; null for a standalone server.</summary>
    public int? MyId { get; }

    /// <summary>The client port on 127.0.0.1.</summary>
    public int ClientPort { get; }

    /// <summary>"127.0.0.1:port".</summary>
    public string ConnectionString => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{ClientPort}");

    /// <summary>The server's temp directory, holding zoo.cfg, data/ and server.log.</summary>
    public string RootDirectory { get; }

    /// <summary>The zoo.cfg this server runs with.</summary>
    public string ConfigPath => Path.Combine(RootDirectory, "zoo.cfg");

    /// <summary>The server's dataDir (snapshots, transaction logs, myid).</summary>
    public string DataDirectory => Path.Combine(RootDirectory, "data");

    /// <summary>The file receiving the JVM's stdout and stderr (appended to across restarts).</summary>
    public string LogPath => Path.Combine(RootDirectory, "server.log");

    /// <summary>PID of the JVM while it runs (also while paused); null otherwise.</summary>
    public int? ProcessId
    {
        get
        {
            lock (_gate)
            {
                return _process is { HasExited: false } process ? process.Id : null;
            }
        }
    }

    /// <summary>Whether the JVM is alive (a paused JVM is alive).</summary>
    public bool IsRunning
    {
        get
        {
            lock (_gate)
            {
                return _process is { HasExited: false };
            }
        }
    }

    /// <summary>Whether <see cref="Pause"/> stopped the JVM and <see cref="Resume"/> has not yet continued it.</summary>
    public bool IsPaused
    {
        get
        {
            lock (_gate)
            {
                return _paused && _process is { HasExited: false };
            }
        }
    }

    private string Name => MyId is int id
        ? string.Create(CultureInfo.InvariantCulture, $"ZooKeeper server #{id} ({ConnectionString})")
        : $"ZooKeeper server {ConnectionString}";

    /// <summary>
    /// Starts a standalone server on a free port and waits until it serves clients
    /// (<see cref="ZooKeeperServerSettings.StartTimeout"/>, default 60 s).
    /// </summary>
    public static async Task<ZooKeeperServerProcess> StartStandaloneAsync(
        ZooKeeperServerSettings? settings = null,
        CancellationToken cancellationToken = default)
    {
        settings ??= ZooKeeperServerSettings.Default;
        settings.Validate();
        for (var attempt = 1; ; attempt++)
        {
            var server = Create(settings, FreePorts.Allocate(), myId: null, serverLines: []);
            try
            {
                await server.StartAsync(cancellationToken);
                return server;
            }
            catch (Exception e) when (attempt < 3 && e is InvalidOperationException or TimeoutException && server.LostPortRace())
            {
                // Something else took the port between FreePorts and the JVM's bind: try other ports.
                await server.DisposeAsync();
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>Writes the server's directory and zoo.cfg; does not start anything.</summary>
    internal static ZooKeeperServerProcess Create(
        ZooKeeperServerSettings settings,
        int clientPort,
        int? myId,
        IReadOnlyList<KeyValuePair<string, string>> serverLines)
    {
        var directory = Path.Combine(Path.GetTempPath(), "orleansha-zk", Guid.NewGuid().ToString("N"));
        var server = new ZooKeeperServerProcess(settings, directory, clientPort, myId);
        Directory.CreateDirectory(server.DataDirectory);
        // For scripts/test, which deletes directories left behind by dead test hosts or by its own run.
        File.WriteAllText(Path.Combine(directory, "owner.pid"), string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId}\n"));
        File.WriteAllText(Path.Combine(directory, "run.id"), $"{ChildProcesses.RunId ?? "none"}\n");
        if (myId is int id)
        {
            File.WriteAllText(Path.Combine(server.DataDirectory, "myid"), string.Create(CultureInfo.InvariantCulture, $"{id}\n"));
        }

        File.WriteAllText(server.ConfigPath, ZooKeeperConfig.Render(settings, server.DataDirectory, clientPort, serverLines));
        return server;
    }

    /// <summary>
    /// Starts the JVM (same config and data as before, e.g. after <see cref="KillAsync"/>) and waits until it
    /// serves clients. An ensemble member only serves once a quorum exists; to start members without
    /// waiting, use <see cref="Launch"/>.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        Launch();
        await WaitUntilServingAsync(Settings.StartTimeout, cancellationToken);
    }

    /// <summary>Starts the JVM and returns at once, without waiting for it to serve.</summary>
    public void Launch()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_gate)
        {
            if (_process is { HasExited: false })
            {
                throw new InvalidOperationException($"{Name} is already running (pid {_process.Id}).");
            }

            ForgetLocked();
            File.AppendAllText(
                LogPath,
                string.Create(CultureInfo.InvariantCulture, $"==== orleansha: launching {MainClass} {ConfigPath} at {DateTime.Now:O}\n"));

            var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
            start.ArgumentList.Add("-c");
            // exec keeps the PID: the process we track is the JVM itself.
            start.ArgumentList.Add("log=$1; shift; exec \"$@\" </dev/null >>\"$log\" 2>&1");
            start.ArgumentList.Add("orleansha-zk");
            start.ArgumentList.Add(LogPath);
            start.ArgumentList.Add(JavaEnvironment.FindJava());
            foreach (var argument in JvmArguments())
            {
                start.ArgumentList.Add(argument);
            }

            var process = Process.Start(start)
                ?? throw new InvalidOperationException($"Could not start the JVM for {Name}.");
            ChildProcesses.Add(process);
            _process = process;
            _paused = false;
            _watchdog = StartWatchdog(process.Id);
        }
    }

    /// <summary>SIGKILLs the JVM and waits until it is gone. Does nothing if it is not running.</summary>
    public async Task KillAsync()
    {
        Process? process;
        lock (_gate)
        {
            process = _process;
        }

        if (process is null)
        {
            return;
        }

        TryKill(process);
        await WaitForExitAsync(process, ExitTimeout);
        Forget(process);
    }

    /// <summary>
    /// SIGTERM, then waits up to <paramref name="gracePeriod"/> (default 5 s) for the JVM to exit, then SIGKILL.
    /// A paused JVM is continued so that it can handle SIGTERM.
    /// </summary>
    public async Task StopAsync(TimeSpan? gracePeriod = null)
    {
        Process? process;
        bool paused;
        lock (_gate)
        {
            process = _process;
            paused = _paused;
        }

        if (process is null)
        {
            return;
        }

        if (!process.HasExited)
        {
            TrySignal(process, NativeMethods.SigTerm);
            if (paused)
            {
                TrySignal(process, NativeMethods.SigCont);
            }

            using var grace = new CancellationTokenSource(gracePeriod ?? TimeSpan.FromSeconds(5));
            try
            {
                await process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                TryKill(process);
                await WaitForExitAsync(process, ExitTimeout);
            }
        }

        Forget(process);
    }

    /// <summary>SIGSTOPs the JVM: it keeps its sockets but answers nothing, as a hung or partitioned server would.</summary>
    public void Pause()
    {
        lock (_gate)
        {
            var process = RunningProcessLocked();
            NativeMethods.SendSignal(process.Id, NativeMethods.SigStop);
            _paused = true;
        }
    }

    /// <summary>SIGCONTs the JVM after <see cref="Pause"/>.</summary>
    public void Resume()
    {
        lock (_gate)
        {
            var process = RunningProcessLocked();
            NativeMethods.SendSignal(process.Id, NativeMethods.SigCont);
            _paused = false;
        }
    }

    /// <summary>
    /// Sends a four-letter word (srvr, ruok, mntr, conf, cons, ...) to the client port and reads the answer
    /// to EOF. Throws <see cref="TimeoutException"/> if the answer is not complete within
    /// <paramref name="timeout"/> and <see cref="SocketException"/> if nothing listens.
    /// </summary>
    public async Task<string> SendFourLetterWordAsync(string word, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(word);
        if (word.Length != 4 || !Ascii.IsValid(word))
        {
            throw new ArgumentException("A four-letter word is exactly four ASCII characters.", nameof(word));
        }

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, ClientPort), timeoutSource.Token);
            await socket.SendAsync(Encoding.ASCII.GetBytes(word), SocketFlags.None, timeoutSource.Token);
            using var answer = new MemoryStream();
            var buffer = new byte[4096];
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeoutSource.Token)) > 0)
            {
                answer.Write(buffer, 0, read);
            }

            return Encoding.UTF8.GetString(answer.GetBuffer(), 0, (int)answer.Length);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"'{word}' sent to {Name} got no complete answer within {Poll.Format(timeout)}.");
        }
    }

    /// <summary>
    /// The <c>Mode:</c> that <c>srvr</c> reports, or null if the server does not answer within
    /// <paramref name="timeout"/> (default 1 s), is not listening, or is not serving (no quorum).
    /// </summary>
    public async Task<ZooKeeperServerMode?> GetModeAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        try
        {
            var answer = await SendFourLetterWordAsync("srvr", timeout ?? ProbeTimeout, cancellationToken);
            return ParseMode(answer);
        }
        catch (Exception e) when (e is SocketException or IOException or TimeoutException)
        {
            return null;
        }
    }

    /// <summary>
    /// Polls <c>srvr</c> every 50 ms until the server reports standalone, leader or follower. Throws
    /// <see cref="TimeoutException"/> (with the tail of the server log) when <paramref name="timeout"/> passes,
    /// and <see cref="InvalidOperationException"/> at once if the JVM is not running or exits.
    /// </summary>
    public async Task WaitUntilServingAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Process? process;
            lock (_gate)
            {
                process = _process;
            }

            if (process is null)
            {
                throw new InvalidOperationException($"{Name} is not running.");
            }

            if (process.HasExited)
            {
                throw new InvalidOperationException(
                    string.Create(CultureInfo.InvariantCulture, $"{Name} exited with code {process.ExitCode} before it served clients.{LogTailSection()}"));
            }

            var remaining = timeout - stopwatch.Elapsed;
            var probeTimeout = remaining < ProbeTimeout ? remaining : ProbeTimeout;
            if (probeTimeout > TimeSpan.Zero
                && await GetModeAsync(probeTimeout, cancellationToken) is ZooKeeperServerMode.Standalone or ZooKeeperServerMode.Leader or ZooKeeperServerMode.Follower)
            {
                return;
            }

            remaining = timeout - stopwatch.Elapsed;
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException(
                    $"{Name} did not serve clients within {Poll.Format(timeout)} (srvr reported no standalone/leader/follower Mode).{LogTailSection()}");
            }

            await Task.Delay(remaining < ServingPollInterval ? remaining : ServingPollInterval, cancellationToken);
        }
    }

    /// <summary>
    /// The last <paramref name="maxLines"/> lines of <see cref="LogPath"/> (empty if there is no log yet),
    /// leaving out the server's "Processing srvr command" lines caused by the harness's own polling.
    /// </summary>
    public string ReadLogTail(int maxLines = LogTailLines)
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            const long MaxBytes = 64 * 1024;
            if (stream.Length > MaxBytes)
            {
                stream.Seek(-MaxBytes, SeekOrigin.End);
            }

            using var reader = new StreamReader(stream, Encoding.UTF8);
            // The harness's own srvr/ruok polling would push everything interesting out of the tail.
            var lines = reader.ReadToEnd()
                .Split('\n')
                .Where(line => !(line.Contains("Processing ", StringComparison.Ordinal) && line.Contains(" command from ", StringComparison.Ordinal)))
                .ToList();
            return string.Join('\n', lines.Skip(Math.Max(0, lines.Count - maxLines - 1))).TrimEnd();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    /// <summary>Kills the JVM and deletes the temp directory (unless <see cref="ZooKeeperServerSettings.KeepDirectoryOnDispose"/>).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await KillAsync();
        if (!Settings.KeepDirectoryOnDispose)
        {
            await DeleteDirectoryAsync(RootDirectory);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Name;

    internal static ZooKeeperServerMode? ParseMode(string srvrAnswer)
    {
        foreach (var line in srvrAnswer.Split('\n'))
        {
            if (line.StartsWith("Mode:", StringComparison.Ordinal)
                && Enum.TryParse<ZooKeeperServerMode>(line["Mode:".Length..].Trim(), ignoreCase: true, out var mode))
            {
                return mode;
            }
        }

        return null;
    }

    internal string LogTailSection()
    {
        var tail = ReadLogTail();
        return tail.Length == 0
            ? $"{Environment.NewLine}(server log {LogPath} is empty)"
            : $"{Environment.NewLine}--- last lines of {LogPath} ---{Environment.NewLine}{tail}{Environment.NewLine}---";
    }

    /// <summary>Whether the server failed because a port it was given was already taken.</summary>
    internal bool LostPortRace()
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return reader.ReadToEnd().Contains("Address already in use", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private List<string> JvmArguments()
    {
        var arguments = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"-Xmx{Settings.JvmHeapMb}m"),
            "-Xms16m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-XX:-UsePerfData",
            "-XX:+ExitOnOutOfMemoryError",
            "-Djava.net.preferIPv4Stack=true",
            string.Create(CultureInfo.InvariantCulture, $"-D{ChildProcesses.OwnerProperty}={Environment.ProcessId}"),
            $"-D{ChildProcesses.RunProperty}={ChildProcesses.RunId ?? "none"}",
            $"-Dorg.slf4j.simpleLogger.defaultLogLevel={Settings.LogLevel}",
            "-Dorg.slf4j.simpleLogger.showDateTime=true",
            "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
            "-Dzookeeper.jmx.log4j.disable=true",
        };
        if (Settings.JvmSystemProperties is { } properties)
        {
            arguments.AddRange(properties.Select(p => $"-D{p.Key}={p.Value}"));
        }

        arguments.Add("-cp");
        arguments.Add(JavaEnvironment.ClassPath());
        arguments.Add(MainClass);
        arguments.Add(ConfigPath);
        return arguments;
    }

    /// <summary>
    /// A tiny shell loop that SIGKILLs the JVM if this .NET process dies without running ProcessExit
    /// (e.g. SIGKILLed test host), and exits by itself once the JVM is gone.
    /// </summary>
    private static Process? StartWatchdog(int jvmPid)
    {
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(
            "exec </dev/null >/dev/null 2>&1; "
            + "while kill -0 \"$1\"; do kill -0 \"$2\" || exit 0; sleep 1; done; kill -9 \"$2\"");
        start.ArgumentList.Add("orleansha-zk-watchdog");
        start.ArgumentList.Add(Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(jvmPid.ToString(CultureInfo.InvariantCulture));
        try
        {
            return Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // ProcessExit and scripts/test still clean up.
        }
    }

    private Process RunningProcessLocked() =>
        _process is { HasExited: false } process
            ? process
            : throw new InvalidOperationException($"{Name} is not running.");

    private void Forget(Process process)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_process, process))
            {
                ForgetLocked();
            }
        }
    }

    private void ForgetLocked()
    {
        if (_process is { } process)
        {
            ChildProcesses.Remove(process);
            process.Dispose();
            _process = null;
        }

        if (_watchdog is { } watchdog)
        {
            TryKill(watchdog);
            watchdog.Dispose();
            _watchdog = null;
        }

        _paused = false;
    }

    private static void TryKill(Process process)
    {
        try
        {
            process.Kill();
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    private static void TrySignal(Process process, int signal)
    {
        try
        {
            NativeMethods.SendSignal(process.Id, signal);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Already exited.
        }
    }

    private async Task WaitForExitAsync(Process process, TimeSpan timeout)
    {
        using var timeoutSource = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(timeoutSource.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException(
                string.Create(CultureInfo.InvariantCulture, $"{Name} (pid {process.Id}) did not exit within {Poll.Format(timeout)} after SIGKILL."));
        }
    }

    private static async Task DeleteDirectoryAsync(string directory)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }

                return;
            }
            catch (IOException) when (attempt < 5)
            {
                // A file the just-killed JVM held may take a moment to be released.
                await Task.Delay(50 * attempt);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return; // A leftover temp directory is not worth failing a test over.
            }
        }
    }
}
