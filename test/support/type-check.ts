import ts from "typescript";

/**
 * Type-checks modules that exist only in memory (README examples) with the TypeScript compiler API, as files at
 * the given paths: imports resolve from there as they would for a file on disk (node_modules, package exports).
 * Returns the diagnostics of those modules only (and of the options): the packages they import are checked as a
 * user's compiler checks them, through their types, not for errors of their own.
 */

export interface VirtualModule {
  /** An absolute path; its directory decides how imports resolve. */
  path: string;
  code: string;
}

export interface TypeCheckProblem {
  path: string;
  /** 1-based, within the module's code. */
  line: number;
  message: string;
}

export function typeCheck(modules: readonly VirtualModule[], options: ts.CompilerOptions): TypeCheckProblem[] {
  const byPath = new Map(modules.map((module) => [module.path, module.code]));
  const host = ts.createCompilerHost(options, true);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (path) => byPath.has(path) || fileExists.call(host, path);
  host.readFile = (path) => byPath.get(path) ?? readFile.call(host, path);
  host.getSourceFile = (path, languageVersion, onError, shouldCreate) => {
    const code = byPath.get(path);
    if (code === undefined) return getSourceFile.call(host, path, languageVersion, onError, shouldCreate);
    return ts.createSourceFile(path, code, languageVersion, true);
  };
  const program = ts.createProgram({ rootNames: [...byPath.keys()], options, host });
  const diagnostics = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...modules.flatMap((module) => {
      const file = program.getSourceFile(module.path);
      if (file === undefined) throw new Error(`${module.path} is not part of the program`);
      return [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
    }),
  ];
  return diagnostics.map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
    if (diagnostic.file === undefined || diagnostic.start === undefined) return { path: "", line: 0, message };
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    return { path: diagnostic.file.fileName, line: line + 1, message };
  });
}
