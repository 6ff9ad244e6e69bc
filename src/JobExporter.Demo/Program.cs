using JobExporter.Demo.Hangfire;
using JobExporter.Demo.MassTransit;

// usage: JobExporter.Demo hangfire|masstransit [--Section:Key=value ...]
// Settings come from appsettings.json, then JOBEXPORTER-free environment (DOTNET_ / plain keys), then the command line,
// e.g. --JobExporter:Hangfire:BrokerUrl=amqp://guest:guest@127.0.0.1:5672/ (see DemoOptions for the workload).
return args.FirstOrDefault() switch
{
    "hangfire" => await HangfireWorker.RunAsync(args[1..]),
    "masstransit" => await MassTransitWorker.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: JobExporter.Demo hangfire|masstransit [--Section:Key=value ...]");
    return 2;
}
