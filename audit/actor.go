package audit

import "context"

// Actor is who an operation runs for: it travels in the context.
type Actor struct {
	Principal string // the authenticated user or service
	Role      string // the role it acts in
	Purpose   string // why ("treatment", "research", "import", ...)
	RequestID string // the request that caused the operation
}

type actorKey struct{}

// WithActor returns ctx carrying a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor of ctx, and whether there is one.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}
