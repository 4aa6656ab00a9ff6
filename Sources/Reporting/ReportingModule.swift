import Marking
import Config

/// Reporting: collectors, report building from templates, topics and sinks, the report cache.
public enum Reporting {}
