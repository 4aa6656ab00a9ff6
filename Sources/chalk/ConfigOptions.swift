import ArgumentParser
import Config

/// The config-related global flags (spec/config.md §6): `--config-file`, `--[no-]use-embedded-config`.
struct ConfigOptions: ParsableArguments {
    @Option(name: [.customShort("f"), .long], help: "Load this config file instead of searching for chalk.c4m.")
    var configFile: String?

    @Flag(inversion: .prefixedNo, help: "Load the config embedded in this chalk binary.")
    var useEmbeddedConfig = true

    /// The load request for `command`, with the embedded config from this binary's self-mark.
    func request(command: String) -> ConfigLoadRequest {
        ConfigLoadRequest(configFile: configFile, useEmbeddedConfig: useEmbeddedConfig,
                          embeddedSource: SelfConfig.embeddedSource(in: SelfMark.read()),
                          command: command, startDirectory: startDirectory())
    }
}
