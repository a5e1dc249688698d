using LoaderHarness.Cli;

return CliApp.Run(args);
