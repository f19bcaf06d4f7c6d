package EgovTest::Child;

# What the tests' helper servers forked in the background share: the
# child's pid in $self->{pid}, stopped by stop() or when the object goes.

use strict;
use warnings;

sub stop {
    my ($self) = @_;
    return unless $self->{pid};
    kill 'CONT', $self->{pid};                 # a frozen one too
    kill 'TERM', $self->{pid};
    waitpid $self->{pid}, 0;
    delete $self->{pid};
}

sub DESTROY {
    my ($self) = @_;
    local ($?, $!, $@);
    $self->stop;
}

1;
