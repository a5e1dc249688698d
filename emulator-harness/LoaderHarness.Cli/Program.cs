using System.Diagnostics;
using LoaderHarness.Cli;

// When the process started, so `boot --json` can say how long start-up took (in-process callers leave it unset).
CliApp.ProcessStart = Process.GetCurrentProcess().StartTime;
return CliApp.Run(args);
