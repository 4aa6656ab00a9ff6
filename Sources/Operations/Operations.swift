import Marking
import Config
import Reporting

/// Operations: the insert / extract / delete pipelines and the exec report, tying the codecs,
/// the config and the reporting together.
public enum Operations {}
