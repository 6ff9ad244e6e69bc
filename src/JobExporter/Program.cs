using JobExporter;
using JobExporter.Configuration;

// Exit codes: 0 stopped cleanly, 1 failed while running, 2 bad flags.
try
{
    var environment = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
        .ToDictionary(e => (string)e.Key, e => (string?)e.Value);
    var values = FlagValues.Read(args, environment);
    if (values.Get(Flags.Help) == "true")
    {
        Console.Out.Write(HelpText.Render());
        return 0;
    }
    if (values.Get(Flags.Version) == "true")
    {
        Console.Out.WriteLine($"jobexporter {ExporterApp.Version}");
        return 0;
    }
    var options = OptionsReader.Read(values, Environment.MachineName);
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
