CREATE TABLE "run_events" (
	"run_id" uuid NOT NULL,
	"attempt_no" integer NOT NULL,
	"seq" integer NOT NULL,
	"kind" text NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "run_events_run_id_attempt_no_seq_pk" PRIMARY KEY("run_id","attempt_no","seq")
);
--> statement-breakpoint
CREATE TABLE "run_sessions" (
	"repository_id" uuid NOT NULL,
	"issue_number" integer NOT NULL,
	"agent_key" text NOT NULL,
	"engine" text NOT NULL,
	"session_id" text NOT NULL,
	"archive" text NOT NULL,
	"version" integer NOT NULL,
	"updated_by_run" uuid NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "run_sessions_repository_id_issue_number_agent_key_pk" PRIMARY KEY("repository_id","issue_number","agent_key")
);
--> statement-breakpoint
CREATE TABLE "run_tool_calls" (
	"run_id" uuid NOT NULL,
	"tool" text NOT NULL,
	"key" text NOT NULL,
	"result" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "run_tool_calls_run_id_tool_key_pk" PRIMARY KEY("run_id","tool","key")
);
--> statement-breakpoint
ALTER TABLE "agent_runs" ADD COLUMN "runner_phase" text;--> statement-breakpoint
ALTER TABLE "agent_runs" ADD COLUMN "branch_name" text;--> statement-breakpoint
ALTER TABLE "agent_runs" ADD COLUMN "pull_request_number" integer;--> statement-breakpoint
ALTER TABLE "agent_runs" ADD COLUMN "pull_request_url" text;--> statement-breakpoint
ALTER TABLE "agent_runs" ADD COLUMN "status_lines" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "agent_runs" ADD COLUMN "runner_reason" text;--> statement-breakpoint
ALTER TABLE "agent_runs" ADD COLUMN "progress_shown_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "run_events" ADD CONSTRAINT "run_events_run_id_agent_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."agent_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_sessions" ADD CONSTRAINT "run_sessions_repository_id_repositories_id_fk" FOREIGN KEY ("repository_id") REFERENCES "public"."repositories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_tool_calls" ADD CONSTRAINT "run_tool_calls_run_id_agent_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."agent_runs"("id") ON DELETE cascade ON UPDATE no action;