public enum LangVersion { public static let string = "0.1.0" }
