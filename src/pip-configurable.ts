import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';

/** Where pip runs, which decides where its configuration goes and how a token is renewed. */
export enum PipEnvironment {
  /**
   * A notebook instance: `/etc/pip.conf` for all users and environments, written as root at every
   * start; renewals by cron.
   */
  NOTEBOOK_INSTANCE = 'notebook-instance',
  /**
   * Studio JupyterLab apps: `~/.config/pip/pip.conf` of the app's user, written at every app start;
   * renewals by a background loop.
   */
  STUDIO_JUPYTERLAB = 'studio-jupyterlab',
}

/**
 * A workload whose pip a `CodeArtifactPypiMirror` can configure: `NoInternetNotebook` and
 * `NoInternetStudio` implement it.
 */
export interface IPipConfigurable extends IConstruct, ec2.IConnectable, iam.IGrantable {
  /** The workload's VPC (the mirror's endpoints must be in it). */
  readonly vpc: ec2.IVpc;
  /** Where pip runs. */
  readonly pipEnvironment: PipEnvironment;
  /** Adds shell commands to the script the workload runs at every start. */
  addStartCommands(...commands: string[]): void;
}
