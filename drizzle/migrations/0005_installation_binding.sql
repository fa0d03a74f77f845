ALTER TABLE "projects" ADD COLUMN "github_installation_id" bigint;--> statement-breakpoint
ALTER TABLE "repositories" ADD COLUMN "unbound_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "projects" ADD CONSTRAINT "projects_githubInstallationId_unique" UNIQUE("github_installation_id");