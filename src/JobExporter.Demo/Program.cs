using JobExporter.Contracts;
using JobExporter.Demo;

// usage: JobExporter.Demo <amqp-url> [jobs-per-second]
if (args.Length < 1 || !Uri.TryCreate(args[0], UriKind.Absolute, out var broker))
{
    Console.Error.WriteLine("usage: JobExporter.Demo <amqp-url> [jobs-per-second]");
    return 2;
}
var rate = args.Length > 1 && double.TryParse(args[1], System.Globalization.CultureInfo.InvariantCulture, out var r) ? r : 5;
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
// SIGTERM from `make run` stopping: cancel so that worker-offline is published before exit.
AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { stop.Cancel(); } catch (ObjectDisposedException) { } };
await using var publisher = new EventPublisher(new EventPublisherOptions { BrokerUrl = broker });
Console.WriteLine($"demo: publishing about {rate} jobs/s to {BrokerUrls.Redact(broker)}");
await new EventGenerator(publisher, TimeSpan.FromSeconds(5), rate).RunAsync(stop.Token);
return 0;
