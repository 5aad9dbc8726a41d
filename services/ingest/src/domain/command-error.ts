import { DomainError } from '@geopulse/contracts';

export type CommandErrorCode = 'INVALID_COMMAND' | 'INVALID_SETTINGS' | 'COMMAND_NOT_FOUND' | 'COMMAND_FORBIDDEN';

/** The one error type of device commands and tenant settings; mapped to HTTP at the edge. */
export class CommandError extends DomainError<CommandErrorCode> {
  constructor(
    code: CommandErrorCode,
    message: string,
    issues: ConstructorParameters<typeof DomainError<CommandErrorCode>>[2] = [],
    /** COMMAND_FORBIDDEN: the policies that decided. */
    readonly policyIds: readonly string[] = [],
  ) {
    super(code, message, issues);
  }
}
