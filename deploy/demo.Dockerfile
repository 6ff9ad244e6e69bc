# syntax=docker/dockerfile:1
# The demo workers' image (src/JobExporter.Demo), used by deploy/compose. Build from the repository root:
#   docker build -f deploy/demo.Dockerfile -t ghcr.io/jobexporter/jobexporter-demo:0.1.0 .
# Run `hangfire` or `masstransit`; settings come from environment variables such as JobExporter__BrokerUrl.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/JobExporter.Contracts/JobExporter.Contracts.csproj src/JobExporter.Contracts/
COPY src/JobExporter.Emitter/JobExporter.Emitter.csproj src/JobExporter.Emitter/
COPY src/JobExporter.Transport/JobExporter.Transport.csproj src/JobExporter.Transport/
COPY src/JobExporter.Hangfire/JobExporter.Hangfire.csproj src/JobExporter.Hangfire/
COPY src/JobExporter.MassTransit/JobExporter.MassTransit.csproj src/JobExporter.MassTransit/
COPY src/JobExporter.Demo/JobExporter.Demo.csproj src/JobExporter.Demo/
RUN dotnet restore src/JobExporter.Demo/JobExporter.Demo.csproj
COPY src/JobExporter.Contracts/ src/JobExporter.Contracts/
COPY src/JobExporter.Emitter/ src/JobExporter.Emitter/
COPY src/JobExporter.Transport/ src/JobExporter.Transport/
COPY src/JobExporter.Hangfire/ src/JobExporter.Hangfire/
COPY src/JobExporter.MassTransit/ src/JobExporter.MassTransit/
COPY src/JobExporter.Demo/ src/JobExporter.Demo/
RUN dotnet publish src/JobExporter.Demo/JobExporter.Demo.csproj -c Release --no-restore -o /app -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/runtime:10.0
WORKDIR /app
COPY --from=build /app ./
USER $APP_UID
ENTRYPOINT ["dotnet", "/app/JobExporter.Demo.dll"]
CMD ["hangfire"]
