namespace JobExporter.Testing;

/// <summary>
/// A real PostgreSQL server from Debian's postgresql package (the newest version under /usr/lib/postgresql),
/// initialised in a temp folder and started on a free loopback port with trust authentication, so that tests
/// never touch another cluster. PostgreSQL refuses to run as root, so when the tests run as root every command
/// runs as the <c>postgres</c> user and the folder is handed over to it. Stopped and deleted on dispose.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private const string VersionsFolder = "/usr/lib/postgresql";
    private const string ServiceUser = "postgres";

    private readonly TempFolder _folder = new("postgres");
    private readonly string _bin;
    private bool _running;

    private PostgresServer(string bin)
    {
        _bin = bin;
        Port = FreePort.Next();
    }

    public int Port { get; }

    /// <summary>The superuser; authentication is trust on loopback, so no password.</summary>
    public string User => ServiceUser;

    public string DataFolder => _folder.File("data");
    public string SocketFolder => _folder.File("socket");
    public string LogFile => _folder.File("postgres.log");

    /// <summary>An Npgsql connection string for a database on this server.</summary>
    public string ConnectionString(string database = "postgres") =>
        $"Host=127.0.0.1;Port={Port};Username={User};Database={database};Timeout=10;Command Timeout=30";

    public static async Task<PostgresServer> StartAsync()
    {
        var bin = FindBinFolder();
        var server = new PostgresServer(bin);
        try
        {
            await server.InitAsync();
            await server.StartAgainAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Creates an empty database owned by the superuser.</summary>
    public async Task CreateDatabaseAsync(string name)
    {
        var result = await RunAsync("psql", "-h", "127.0.0.1", "-p", Port.ToString(), "-U", User, "-d", "postgres",
            "-v", "ON_ERROR_STOP=1", "-c", $"CREATE DATABASE \"{name}\"");
        if (result.ExitCode != 0) throw new InvalidOperationException($"CREATE DATABASE {name} failed:\n{result.Output}");
    }

    /// <summary>Starts the server (again) on the same port and data, waiting until it accepts connections.</summary>
    public async Task StartAgainAsync()
    {
        if (_running) return;
        var result = await RunAsync("pg_ctl", "-D", DataFolder, "-l", LogFile, "-w", "-t", "60",
            "-o", $"-p {Port} -k {SocketFolder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off",
            "start");
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"PostgreSQL did not start:\n{result.Output}\n{ReadLog()}");
        }
        _running = true;
    }

    /// <summary>Stops the server (fast mode: open sessions are ended), keeping its data.</summary>
    public async Task StopAsync()
    {
        if (!_running) return;
        await RunAsync("pg_ctl", "-D", DataFolder, "-m", "fast", "-w", "-t", "60", "stop");
        _running = false;
    }

    public string ReadLog() => File.Exists(LogFile) ? File.ReadAllText(LogFile) : "";

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (Exception)
        {
            // Best effort: the temp folder goes anyway.
        }
        _folder.Dispose();
    }

    private async Task InitAsync()
    {
        Directory.CreateDirectory(SocketFolder);
        if (RunsAsRoot)
        {
            var chown = await ProcessRunner.RunAsync("chown", ["-R", $"{ServiceUser}:{ServiceUser}", _folder.Path], timeout: TimeSpan.FromSeconds(30));
            if (chown.ExitCode != 0) throw new InvalidOperationException($"Could not hand {_folder.Path} to {ServiceUser}:\n{chown.Output}");
        }
        var init = await RunAsync("initdb", "-D", DataFolder, "-U", User, "--auth=trust", "--encoding=UTF8", "--no-sync");
        if (init.ExitCode != 0) throw new InvalidOperationException($"initdb failed:\n{init.Output}");
    }

    private Task<ProcessRunner.Result> RunAsync(string tool, params string[] args) =>
        ProcessRunner.RunAsync(Path.Combine(_bin, tool), args, timeout: TimeSpan.FromSeconds(90), user: RunsAsRoot ? ServiceUser : null);

    private static bool RunsAsRoot => Environment.UserName == "root";

    // The newest installed major version, so that the helper survives a Debian upgrade.
    private static string FindBinFolder()
    {
        var bin = Directory.Exists(VersionsFolder)
            ? Directory.GetDirectories(VersionsFolder)
                .Select(folder => (Folder: folder, Version: int.TryParse(Path.GetFileName(folder), out var v) ? v : -1))
                .Where(x => x.Version > 0 && File.Exists(Path.Combine(x.Folder, "bin", "initdb")))
                .OrderByDescending(x => x.Version)
                .Select(x => Path.Combine(x.Folder, "bin"))
                .FirstOrDefault()
            : null;
        return bin ?? throw new InvalidOperationException("PostgreSQL is not installed: run `make deps` (apt-get install postgresql).");
    }
}
