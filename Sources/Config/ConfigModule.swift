/// Config: the con4m-subset language, the built-in base config and loading into ChalkConfig.
public enum ConfigModule {}
