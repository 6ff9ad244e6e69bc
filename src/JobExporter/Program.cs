using JobExporter;
using JobExporter.Configuration;
using JobExporter.Health;

// Exit codes: 0 stopped cleanly, 1 failed while running, 2 bad flags.
try
{
    var environment = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
        .ToDictionary(e => (string)e.Key, e => (string?)e.Value);
    // The image's HEALTHCHECK: the same flags and environment, asked of the running exporter (see Health/).
    if (args is [HealthCheckCommand.Name, ..]) return await HealthCheckCommand.RunAsync(args[1..], environment);
    var values = FlagValues.Read(args, environment);
    if (values.Get(Flags.Help) == "true")
    {
        Console.Out.Write(HelpText.Render());
        return 0;
    }
    if (values.Get(Flags.Version) == "true")
    {
        Console.Out.WriteLine($"jobexporter {BuildVersion.Version} (revision {BuildVersion.Revision})");
        return 0;
    }
    var options = OptionsReader.Read(values, Environment.MachineName);
    if (values.IsFromCommandLine(Flags.BrokerUrl) && options.BrokerUrl.UserInfo.Contains(':') && options.BrokerPassword is null)
    {
        Console.Error.WriteLine("jobexporter: warning: --broker.url on the command line holds a password that every local user can read "
            + "in the process list; use --broker.password-file, JOBEXPORTER_BROKER_PASSWORD or JOBEXPORTER_BROKER_URL");
    }
    if (values.IsFromCommandLine(Flags.CeleryBrokerUrl) && options.Celery.Redis is { Password: null, Url.Password: not null })
    {
        Console.Error.WriteLine("jobexporter: warning: --celery.broker-url on the command line holds a password that every local user can read "
            + "in the process list; use --celery.broker-password-file, JOBEXPORTER_CELERY_BROKER_PASSWORD or JOBEXPORTER_CELERY_BROKER_URL");
    }
    var app = ExporterApp.Build(options);
    await app.RunAsync();
    return 0;
}
catch (FlagException ex)
{
    Console.Error.WriteLine($"jobexporter: {ex.Message}");
    return 2;
}
catch (IOException ex) when (ex.InnerException is System.Net.Sockets.SocketException || ex.Message.Contains("address", StringComparison.OrdinalIgnoreCase))
{
    Console.Error.WriteLine($"jobexporter: cannot listen: {ex.Message}");
    return 1;
}
catch (Exception ex) when (ex is InvalidOperationException or System.Security.Authentication.AuthenticationException
                               or System.Security.Cryptography.CryptographicException)
{
    // For example, Kestrel cannot use the TLS certificate: one line and exit code 1, not a crash dump.
    Console.Error.WriteLine($"jobexporter: cannot serve: {ex.Message.Split('\n')[0]}");
    return 1;
}
